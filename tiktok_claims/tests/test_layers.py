"""The layers: `sources` knows nothing of `claims`; the project's modules import without cycles."""

import ast
from pathlib import Path

from django.conf import settings

PACKAGES = ("claims", "sources", "tiktok_claims", "benchmarks")


def app_modules(package):
    """{dotted module name: path} for every non-test module of a package (migrations included)."""
    root = Path(settings.BASE_DIR)
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "tests" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def module_level_imports(name, path):
    """The project modules a module imports when it is loaded (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for node in tree.body:  # module level only: an import inside a function runs later
        if isinstance(node, ast.If | ast.Try):  # e.g. `if TYPE_CHECKING:` or try/except ImportError
            nodes = [child for child in ast.walk(node) if isinstance(child, ast.Import | ast.ImportFrom)]
        else:
            nodes = [node]
        for child in nodes:
            if isinstance(child, ast.Import):
                imported.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                imported.add(base)
                imported.update(f"{base}.{alias.name}" for alias in child.names)
    return {module for module in imported if module.split(".")[0] in PACKAGES}


def import_graph():
    modules = {}
    for package in PACKAGES:
        modules.update(app_modules(package))
    return {
        name: {target for target in module_level_imports(name, path) if target in modules and target != name}
        for name, path in modules.items()
    }


def test_sources_imports_nothing_from_claims():
    """No module of sources (tests aside) imports claims, at module level or inside a function."""
    offenders = []
    for name, path in app_modules("sources").items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                targets = [node.module or ""]
            else:
                continue
            claims = [target for target in targets if target.split(".")[0] == "claims"]
            offenders += [f"{name} imports {target}" for target in claims]
    assert offenders == []


def cycles_in(graph):
    """Each import cycle found by a depth-first walk, as "a -> b -> a"."""
    visiting, done, found = [], set(), []

    def visit(module):
        if module in done:
            return
        if module in visiting:
            found.append(" -> ".join([*visiting[visiting.index(module) :], module]))
            return
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
    return found


def test_the_project_modules_import_each_other_without_cycles():
    """Module-level imports between claims, sources, tiktok_claims and benchmarks form no cycle."""
    graph = import_graph()
    assert "tiktok_claims.api.views" in graph["claims.api.viewsets"]  # the graph sees imports
    assert cycles_in(graph) == []


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The import reader sees `from x import y` and relative imports, and a cycle is reported."""
    path = tmp_path / "views.py"
    path.write_text("from claims.models import Claim\nfrom . import forms\n\ndef f():\n    import sources\n")
    assert module_level_imports("claims.views", path) == {
        "claims.models",
        "claims.models.Claim",
        "claims",
        "claims.forms",
    }
    assert cycles_in({"claims.views": {"claims.forms"}, "claims.forms": {"claims.views"}}) == [
        "claims.forms -> claims.views -> claims.forms"
    ]
