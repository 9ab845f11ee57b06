import csv
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from claims.tests.factories import (
    ClaimFactory,
    QuoteFactory,
    RebuttalFactory,
    SpeakerFactory,
    TopicFactory,
)
from sources.tests.factories import ArticleFactory, OutletFactory
from tiktok_claims import settings as project_settings

# Hostile text: markup, a closing script tag inside data, attribute break-outs, control
# characters, and spreadsheet formulas at the start of cells.
SCRIPT = '<script>alert("x")</script>'
CLOSE_SCRIPT = "</script><script>alert(1)</script><!--"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SINGLE_QUOTE = "' onmouseover='alert(1)' x='"
CONTROL = "bell\x07 escape\x1b back\x08 rtl\u202e line\u2028sep"
FORMULAS = [
    '=HYPERLINK("http://evil.example/","click") ' + SCRIPT,
    '+1+cmd|" /C calc"!A0 ' + ATTRIBUTE,
    "-2+3 " + CLOSE_SCRIPT,
    "@SUM(A1:A2) " + SINGLE_QUOTE,
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
SKIPPED_PREFIXES = ("/admin/", "/static/")
MAX_CRAWLED = 250


@pytest.fixture
def unthrottled_api(settings):
    """Lift the API's anonymous rate limit: these tests make hundreds of requests on purpose."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None}}


def hostile_corpus():
    """Every curated text field holds hostile text; returns the rows whose pages must show it."""
    outlet = OutletFactory(name="-" + SCRIPT, homepage="https://example.org/")
    article_text = f"Intro. {CLOSE_SCRIPT} middle {SCRIPT} and {ATTRIBUTE} end {CONTROL}."
    article = ArticleFactory(
        outlet=outlet, headline="@" + SCRIPT, byline=ATTRIBUTE, text=article_text, dating_note=CONTROL
    )
    parent = SpeakerFactory(name="=" + ATTRIBUTE, role=SINGLE_QUOTE)
    speaker = SpeakerFactory(name=f"{SCRIPT} {CONTROL}", role=ATTRIBUTE, affiliation=parent)
    topic = TopicFactory(name=SINGLE_QUOTE + SCRIPT, description=CLOSE_SCRIPT)
    claims = []
    for summary in FORMULAS:
        claim = ClaimFactory(
            speaker=speaker, summary=summary, venue=SINGLE_QUOTE, note=CLOSE_SCRIPT, dating_note=CONTROL
        )
        claim.topics.add(topic)
        claims.append(claim)
    quote_text = CLOSE_SCRIPT
    start = article_text.index(quote_text)
    quote = QuoteFactory(
        claim=claims[0],
        article=article,
        text=quote_text,
        start=start,
        end=start + len(quote_text),
        attribution=ATTRIBUTE,
        note=SCRIPT,
    )
    RebuttalFactory(rebutting_claim=claims[1], rebutted_claim=claims[0], note=CLOSE_SCRIPT)
    return {"outlet": outlet, "article": article, "speaker": speaker, "claims": claims, "quote": quote}


class PageParser(HTMLParser):
    """Collects what a browser would execute or follow, and the text a reader sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts = []
        self.handlers = []
        self.links = []
        self.text = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in {"href", "src", "action"} and value:
                if value.strip().lower().startswith("javascript:"):
                    self.handlers.append((tag, name, value))
                if name in {"href", "src"}:
                    self.links.append(value)
        if tag == "script":
            self._script = {"attrs": attributes, "content": ""}
            self.scripts.append(self._script)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["content"] += data
        else:
            self.text.append(data)


def check_html(url, body):
    """No executable injected script, no event handler; data blocks are valid JSON."""
    parser = PageParser()
    parser.feed(body)
    assert not parser.handlers, f"{url}: inline handler or javascript: URL {parser.handlers}"
    for script in parser.scripts:
        if "src" in script["attrs"]:
            assert script["attrs"]["src"].startswith("/") and not script["attrs"]["src"].startswith("//")
            continue
        script_type = (script["attrs"].get("type") or "").lower()
        assert script_type in DATA_SCRIPT_TYPES, f"{url}: executable inline script {script}"
        decoded = json.loads(script["content"])
        assert "</script" not in script["content"].lower() and "<!--" not in script["content"]
        assert decoded is not None
    return parser


def check_json(url, body):
    """The body is strict JSON (control characters escaped)."""
    return json.loads(body)


def check_csv(url, body):
    """No cell starts with a character a spreadsheet reads as a formula."""
    rows = list(csv.reader(io.StringIO(body)))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{url}: formula-like cell {cell!r}"
    return rows


def list_urls():
    """Every URL of the project that takes no argument and can be read, except the admin."""
    urls = []

    def walk(patterns, prefix):
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                if "<" in str(pattern):
                    continue
                part = str(pattern)
            elif isinstance(pattern, RegexPattern):
                if pattern.regex.groups:
                    continue
                part = str(pattern).lstrip("^").rstrip("$").replace("\\", "")
                if any(char in part for char in "()[]*+?|{}"):
                    continue
            else:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + part)
            elif isinstance(entry, URLPattern):
                view_class = getattr(entry.callback, "view_class", None) or getattr(
                    entry.callback, "cls", None
                )
                if view_class is not None and not hasattr(view_class, "get"):
                    continue  # write-only, e.g. POST /api/quotes/from-selection/: nothing to read
                urls.append("/" + prefix + part)

    walk(get_resolver().url_patterns, "")
    return sorted({url for url in urls if not url.startswith(SKIPPED_PREFIXES)})


def json_strings(value):
    """Every string value in a decoded JSON document."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return [value] if isinstance(value, str) else []


def json_links(value):
    """Every string in a JSON document that looks like a link."""
    if isinstance(value, dict):
        for item in value.values():
            yield from json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_links(item)
    elif isinstance(value, str) and (value.startswith("http://testserver/") or value.startswith("/")):
        yield value


def local_path(url, base, skipped=SKIPPED_PREFIXES):
    """The path and query of a same-site link, or None for another site or a skipped area."""
    parts = urlsplit(urljoin("http://testserver" + base, url))
    if parts.netloc != "testserver" or parts.path.startswith(skipped):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, seeds, skipped=SKIPPED_PREFIXES, limit=MAX_CRAWLED):
    """Fetch the seeds and every same-site page they link to; check each response by its type."""
    queue = list(dict.fromkeys(seeds))
    seen = set(queue)
    responses = {}
    while queue and len(responses) < max(limit, len(seeds)):
        url = queue.pop(0)
        response = client.get(url)
        responses[url] = response
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        found = []
        if response.status_code in (301, 302, 303, 307, 308):
            found.append(response["Location"])
        content_type = response.get("Content-Type", "")
        if response.status_code >= 300 or not hasattr(response, "content"):
            body = ""
        else:
            body = response.content.decode("utf-8")
        if "text/html" in content_type and body:
            found += check_html(url, body).links
        elif "json" in content_type and body:
            found += list(json_links(check_json(url, body)))
        elif "text/csv" in content_type and body:
            check_csv(url, body)
        for link in found:
            path = local_path(link, url, skipped)
            if path and path not in seen:
                seen.add(path)
                queue.append(path)
    return responses


def visible_text(response):
    """The text a reader sees on an HTML page, characters unescaped."""
    parser = PageParser()
    parser.feed(response.content.decode("utf-8"))
    return "".join(parser.text)


@pytest.mark.django_db
def test_hostile_text_is_inert_on_every_page_and_endpoint(client, unthrottled_api):
    """Markup, script breakers and formulas in curated text stay text on pages, JSON, JSON-LD, CSV."""
    rows = hostile_corpus()
    detail_urls = [rows["speaker"].get_absolute_url(), rows["article"].get_absolute_url()]
    detail_urls += [claim.get_absolute_url() for claim in rows["claims"]]
    searches = [f"{url}?{urlencode({'q': SCRIPT, 'search': ATTRIBUTE})}" for url in list_urls()]
    seeds = list_urls() + detail_urls + searches
    responses = crawl(client, seeds)
    api_urls = [
        url for url, response in responses.items() if response.get("Content-Type") == "application/json"
    ]
    assert any(url.startswith("/api/claims/") for url in api_urls)
    for url in api_urls:
        parts = urlsplit(url)
        query = [(name, value) for name, value in parse_qsl(parts.query) if name != "format"]
        browsable = client.get(parts.path + "?" + urlencode(query + [("format", "api")]))
        assert browsable.status_code == 200, f"{url} as HTML answered {browsable.status_code}"
        check_html(url, browsable.content.decode("utf-8"))

    for url in list_urls() + detail_urls:
        assert responses[url].status_code == 200, f"{url} answered {responses[url].status_code}"
    claim_response = responses[rows["claims"][0].get_absolute_url()]
    assert FORMULAS[0] in visible_text(claim_response)
    parser = check_html("claim page", claim_response.content.decode("utf-8"))
    linked_data = [json.loads(script["content"]) for script in parser.scripts if "src" not in script["attrs"]]
    assert linked_data, "the claim page has no JSON-LD block"
    assert FORMULAS[0] in json_strings(linked_data)
    assert rows["speaker"].name.split()[0] in visible_text(responses[rows["speaker"].get_absolute_url()])
    assert "@" + SCRIPT in visible_text(responses[rows["article"].get_absolute_url()])


@pytest.mark.django_db
def test_hostile_text_is_inert_in_the_admin(client, admin_user):
    """A curator browsing hostile rows in the admin (lists, forms, history) runs no injected script."""
    # The seeds only: following every sort and filter link would take minutes.
    rows = hostile_corpus()
    client.force_login(admin_user)
    seeds = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in site_models()
    ]
    for row in [rows["speaker"], rows["article"], rows["quote"], *rows["claims"]]:
        prefix = f"admin:{row._meta.app_label}_{row._meta.model_name}"
        seeds += [reverse(f"{prefix}_change", args=[row.pk]), reverse(f"{prefix}_history", args=[row.pk])]
    responses = crawl(
        client, seeds, skipped=("/static/", "/admin/logout/", "/api/", "/claims/", "/speakers/"), limit=0
    )
    for url in seeds:
        assert responses[url].status_code == 200, f"{url} answered {responses[url].status_code}"
    change_page = responses[seeds[-2]].content.decode("utf-8")
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in change_page or "&lt;script&gt;" in change_page


def site_models():
    """The models registered in the admin, from the sources and claims apps."""
    from django.contrib import admin

    return [model for model in admin.site._registry if model._meta.app_label in {"claims", "sources"}]


@pytest.mark.django_db
def test_hostile_text_in_csv_exports_is_neutralised(client, unthrottled_api):
    """Every CSV the site links to starts no cell with = + - @, yet keeps the curator's words."""
    hostile_corpus()
    seeds = list_urls()
    api_root = client.get("/api/", HTTP_ACCEPT="application/json")
    if api_root.status_code == 200 and "json" in api_root.get("Content-Type", ""):
        seeds += [f"{local_path(url, '/api/')}?format=csv" for url in json_links(api_root.json())]
    responses = crawl(client, seeds)
    csv_bodies = [
        response.getvalue().decode("utf-8")
        for response in responses.values()
        if response.status_code == 200 and "text/csv" in response.get("Content-Type", "")
    ]
    if not csv_bodies:
        pytest.fail("No CSV export found: the claims list and the API must offer one.")
    cells = [cell for body in csv_bodies for row in csv.reader(io.StringIO(body)) for cell in row]
    for formula in FORMULAS:
        assert any(cell.endswith(formula[1:]) for cell in cells), f"{formula!r} missing from the CSV"


def test_every_response_carries_the_security_headers(client, db):
    """CSP without inline allowances, nosniff, same-origin referrer, framing denied."""
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"].startswith("'self'")
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_https_requests_get_hsts_and_secure_cookies_behind_a_proxy(client, db, settings):
    """With HTTPS on behind a trusted proxy, X-Forwarded-Proto https gets HSTS; plain HTTP is redirected."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get(reverse("home"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(reverse("home"), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def run_python(code, **environment):
    """Run Python in a fresh interpreter from the project folder with exactly this environment."""
    env = {"PATH": os.environ["PATH"], **environment}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=project_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


PRODUCTION = {
    "SECRET_KEY": "test-only-Vb7Qx2mVr9LpZt4sWk8NbYc3HgJd6FaEu5RoTi1Xw9",
    "ALLOWED_HOSTS": "example.org",
}


def test_https_setting_turns_on_hsts_secure_cookies_and_redirect():
    """HTTPS=1 in the environment gives HSTS for a year, Secure cookies and an HTTPS redirect."""
    code = (
        "from tiktok_claims import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    with_https = run_python(code, HTTPS="1", BEHIND_PROXY="1", **PRODUCTION)
    assert with_https.stdout.split(None, 4) == [
        "31536000",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')\n",
    ]
    without = run_python(code, **PRODUCTION)
    assert without.stdout.split() == ["0", "False", "False", "False", "None"]


def test_deploy_check_passes_with_production_settings():
    """manage.py check --deploy finds no warning with production settings and HTTPS on."""
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        HTTPS="1",
        DJANGO_SETTINGS_MODULE="tiktok_claims.settings",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_serve_refuses_to_start_without_secret_key():
    """make serve without SECRET_KEY stops before starting anything, naming what to set."""
    result = subprocess.run(
        [str(project_settings.BASE_DIR / "scripts" / "serve")],
        env={"PATH": os.environ["PATH"], "ALLOWED_HOSTS": "example.org"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "SECRET_KEY not set" in result.stderr


# Password hashing at full strength would dominate these tests' time.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def failed_login(client, username, address="203.0.113.7"):
    """One wrong password on the admin login form."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_admin_login_is_locked_after_repeated_failures(client, settings):
    """After the failure limit, even the right password is refused with a message saying why."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_user_model().objects.create_user("curator", password="right-password-123", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = failed_login(client, "curator")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    locked = failed_login(client, "curator")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    right = client.post(
        reverse("admin:login"),
        {"username": "curator", "password": "right-password-123"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert right.status_code == 429
    assert "locked" in right.content.decode()


@pytest.mark.django_db
def test_lockout_is_per_address_so_an_attacker_cannot_lock_a_curator_out(client, settings):
    """Failures from one address do not lock the same account out from another address."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_user_model().objects.create_user("curator", password="right-password-123", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        failed_login(client, "curator", address="203.0.113.7")
    response = client.post(
        reverse("admin:login"),
        {"username": "curator", "password": "right-password-123"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_force_login_still_works_with_axes(client):
    """Tests that log a user in directly are not blocked by the login throttle."""
    user = get_user_model().objects.create_user("editor", is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_client_login_still_works_with_axes(client, settings):
    """authenticate() without a request (the test client's login) passes the throttle."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_user_model().objects.create_user("curator", password="right-password-123", is_staff=True)
    assert client.login(username="curator", password="right-password-123")
    assert not client.login(username="curator", password="wrong-password")


def csp_violations(messages):
    """Console messages in which the browser reports blocking something under the CSP."""
    return [text for text in messages if "Content Security Policy" in text]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_browsable_api_and_docs_work_under_the_csp(live_server, settings, browser):
    """In Chromium, the admin, the browsable API and the API docs run with the CSP and nothing blocked
    but two style attributes (DRF's Filters button, simple-history's paginator)."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    get_user_model().objects.create_superuser("csp-admin", password="csp-check-password-1")
    claim = ClaimFactory(summary="TikTok shares data with Beijing, officials said.")
    expectations = {
        f"/admin/claims/claim/{claim.pk}/change/": "TikTok shares data with Beijing, officials said.",
        "/admin/claims/claim/": "Select claim to change",
        "/api/claims/?format=api": "Claim List",
        f"/api/claims/{claim.pk}/?format=api": "TikTok shares data with Beijing, officials said.",
        "/api/docs/": "/api/claims/",
        "/": "TikTok",
        "/claims/": "TikTok shares data with Beijing, officials said.",
        claim.get_absolute_url(): "TikTok shares data with Beijing, officials said.",
        "/timeline/": "Timeline: who said what, when",
        "/speakers/": "Speakers",
        "/articles/": "Articles",
    }
    page = browser.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "csp-check-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    blocked = {}
    for path, expected_text in expectations.items():
        messages.clear()
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        page.get_by_text(expected_text).first.wait_for(timeout=10000)
        assert not [text for text in messages if text.startswith("page error")], (path, messages)
        blocked[path] = csp_violations(messages)
    page.close()
    style_attribute = "Note that hashes do not apply to event handlers, style attributes"
    assert all(style_attribute in text for texts in blocked.values() for text in texts), blocked
    own_pages = ["/", "/claims/", claim.get_absolute_url(), "/timeline/", "/speakers/", "/articles/"]
    assert not any(
        blocked[path] for path in own_pages + ["/api/docs/", f"/admin/claims/claim/{claim.pk}/change/"]
    )
    assert len(blocked["/api/claims/?format=api"]) <= 1
