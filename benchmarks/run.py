"""`make bench`: serve a generated corpus with gunicorn in production settings and measure it.

This process is the client. It prepares the database (migrate + generate_corpus, reused when
it already holds the asked number of claims), starts gunicorn with benchmarks.settings (and
Datasette on the same file when the database is SQLite), times every scenario, prints a table
with each p50 as a ratio to the floor, and writes it to benchmarks/results/ as markdown.
"""

import argparse
import datetime
import http.client
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "benchmarks" / "results"
BIN = Path(sys.executable).parent
# BENCH_PORT: another port pair, so that two benchmarks on one machine do not measure each other's server.
GUNICORN_PORT = int(os.environ.get("BENCH_PORT", "8790"))
DATASETTE_PORT = GUNICORN_PORT + 1


def say(message):
    print(message, flush=True)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default="",
        help="default: a SQLite file benchmarks/data/claims-<N>.sqlite3 (PostgreSQL: postgres://...)",
    )
    parser.add_argument("--requests", type=int, default=40, help="timed requests per scenario")
    parser.add_argument("--seconds", type=float, default=12, help="at most this long per scenario")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    arguments = parser.parse_args()
    if not arguments.database_url:
        arguments.database_url = (
            f"sqlite:///{BASE_DIR / 'benchmarks' / 'data' / f'claims-{arguments.claims}.sqlite3'}"
        )
    return arguments


def server_environment(database_url):
    """Production settings: DEBUG off, a secret, the hosts; only the benchmark URLs added."""
    return {
        **os.environ,
        # Its own cache (REDIS_URL, when set, takes precedence), emptied before each run.
        "CACHE_DIR": str(BASE_DIR / "benchmarks" / "data" / "cache"),
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "CONN_MAX_AGE": "600",
    }


def manage(database_url, *arguments):
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=environment, check=True)


def prepare_database(arguments):
    """Migrate, and generate the corpus unless the database already holds exactly N claims."""
    if arguments.database_url.startswith("sqlite:///"):
        Path(arguments.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    say("== database: migrate")
    manage(arguments.database_url, "migrate", "--no-input", "-v", "0")
    facts = database_facts(arguments.database_url)
    if facts["claims"] == arguments.claims:
        say(f"== database already holds {arguments.claims:,} claims: reused")
        return facts
    if facts["claims"]:
        sys.exit(
            f"The benchmark database holds {facts['claims']:,} claims, not {arguments.claims:,}: "
            "delete it (or point BENCH_DATABASE_URL at an empty one) and run again."
        )
    say(f"== generating {arguments.claims:,} claims (minutes at 100,000 and more; progress below)")
    manage(
        arguments.database_url,
        "generate_corpus",
        "--settings=benchmarks.settings",
        "--claims",
        str(arguments.claims),
    )
    return database_facts(arguments.database_url)


FACTS_SCRIPT = """
import json
from django.db import connection
from django.db.models import Count
from claims.models import Claim, Quote, Speaker, Rebuttal
from sources.models import Article
speaker = Speaker.objects.annotate(n=Count("claims")).order_by("-n").first()
claims = Claim.objects.count()
middle = Claim.objects.order_by("pk").values_list("pk", flat=True)[claims // 2] if claims else None
articles = Article.objects.order_by("pk").values_list("slug", flat=True)
article = articles[Article.objects.count() // 2] if claims else None
claim_type = (
    Claim.objects.filter(speaker=speaker).values_list("claim_type", flat=True).order_by("claim_type").first()
    if speaker else None
)
# The row 90% of the way through the default order: where a keyset cursor starts a deep page.
in_order = Claim.objects.order_by("said_on", "pk").values_list("said_on", "pk")
deep = in_order[claims * 9 // 10] if claims else None
with connection.cursor() as cursor:
    cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
    version = cursor.fetchone()[0]
print(json.dumps({
    "claims": claims, "quotes": Quote.objects.count(), "speakers": Speaker.objects.count(),
    "articles": Article.objects.count(), "rebuttals": Rebuttal.objects.count(),
    "speaker": speaker.slug if speaker else None, "speaker_id": speaker.pk if speaker else None,
    "claim_type": claim_type,
    "claim": middle, "article": article, "deep_row": claims * 9 // 10,
    "deep_cursor": f"{deep[0].isoformat()},{deep[1]}" if deep else None,
    "vendor": connection.vendor, "version": version.split(" on ")[0],
}))
"""


def database_facts(database_url):
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", FACTS_SCRIPT],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def scenarios(facts, datasette_database):
    """(name, port, path): what the issue asks to measure, plus the two references."""
    # The deepest numbered pages served: they stop at row 10,000 (tiktok_claims/paging.py); past it,
    # the API's keyset cursor (?after=<date>,<id>) starts anywhere at the cost of page 1.
    deep = max(1, min(200, facts["claims"] // 50))
    deep_html = max(1, min(400, facts["claims"] // 25))
    month = f"speaker={facts['speaker']}&said_from=2020-08-01&said_to=2020-08-31"
    filters = (
        f"speaker={facts['speaker']}&said_from=2020-01-01&said_to=2024-12-31&claim_type={facts['claim_type']}"
    )
    rows = [
        ("floor: one SQL query + orjson, 50 rows", GUNICORN_PORT, "/bench/floor/claims/"),
        ("health check", GUNICORN_PORT, "/healthz"),
        ("304: the claims page, If-None-Match", GUNICORN_PORT, "/claims/", {"If-None-Match": ETAG_OF}),
        ("API list, page 1 (50 rows)", GUNICORN_PORT, "/api/claims/"),
        (f"API list, page {deep:,} (the deepest numbered)", GUNICORN_PORT, f"/api/claims/?page={deep}"),
        (
            f"API list, cursor at row {facts['deep_row']:,}",
            GUNICORN_PORT,
            f"/api/claims/?after={facts['deep_cursor']}",
        ),
        ("API filtered: speaker + dates + type", GUNICORN_PORT, f"/api/claims/?{filters}"),
        ("API search, rare word", GUNICORN_PORT, "/api/claims/?q=Vermont+keystroke"),
        ("API search, common word", GUNICORN_PORT, "/api/claims/?q=data"),
        ("API CSV export, one speaker's month", GUNICORN_PORT, f"/api/claims/?{month}&format=csv"),
        (
            "API CSV export, one speaker's month, cold",
            GUNICORN_PORT,
            f"/api/claims/?{month}&format=csv",
            {NEW_QUERY_EACH_TIME: True},
        ),
        ("page: claims list, page 1", GUNICORN_PORT, "/claims/"),
        (f"page: claims list, page {deep_html:,} (the deepest)", GUNICORN_PORT, f"/claims/?page={deep_html}"),
        ("page: filtered list", GUNICORN_PORT, f"/claims/?{filters}"),
        ("page: search, rare word", GUNICORN_PORT, "/claims/?q=Vermont+keystroke"),
        ("page: search, common word", GUNICORN_PORT, "/claims/?q=data"),
        ("page: claim detail", GUNICORN_PORT, f"/claims/{facts['claim']}/"),
        ("page: article", GUNICORN_PORT, f"/articles/{facts['article']}/"),
        ("page: timeline", GUNICORN_PORT, "/timeline/"),
        ("page: timeline, one side", GUNICORN_PORT, "/timeline/?side=us_government"),
        ("page: home", GUNICORN_PORT, "/"),
        ("page: the busiest speaker", GUNICORN_PORT, f"/speakers/{facts['speaker']}/"),
        ("page: speakers", GUNICORN_PORT, "/speakers/"),
    ]
    if datasette_database:
        table = f"/{datasette_database}/claims_claim"
        speaker_filter = f"speaker_id={facts['speaker_id']}"
        dated = f"said_on__gte=2020-01-01&said_on__lte=2024-12-31&claim_type={facts['claim_type']}"
        month = "said_on__gte=2020-08-01&said_on__lte=2020-08-31"
        rows[1:1] = [
            (
                "Datasette: claims_claim.json, 50 rows, labels",
                DATASETTE_PORT,
                f"{table}.json?_sort=said_on&_size=50&_labels=on",
            ),
            (
                "Datasette: search, common word (FTS)",
                DATASETTE_PORT,
                f"{table}.json?_search=data&_size=50&_labels=on",
            ),
            (
                "Datasette: table page with facets",
                DATASETTE_PORT,
                f"{table}?_facet=speaker_id&_facet=claim_type&_size=25",
            ),
            (
                "Datasette: filtered table page with facets",
                DATASETTE_PORT,
                f"{table}?{speaker_filter}&{dated}&_facet=speaker_id&_facet=claim_type&_size=25",
            ),
            (
                "Datasette: CSV, one speaker's month",
                DATASETTE_PORT,
                f"{table}.csv?{speaker_filter}&{month}&_size=max",
            ),
            (
                "Datasette: CSV, one speaker's month, the same names (SQL)",
                DATASETTE_PORT,
                f"/{datasette_database}.csv?"
                + urllib.parse.urlencode({"sql": SAME_NAMES_SQL, "speaker": facts["speaker_id"]}),
            ),
        ]
    return rows


# Our CSV's names as a Datasette user would write them: the speaker joined, each claim's topics,
# articles, outlets and rebuttals gathered by subqueries from the curated tables (Datasette has no
# row cache, so each request computes it, as our "cold" scenario does).
SAME_NAMES_SQL = """
select c.id, c.key, c.said_on, s.name as speaker, s.side, c.claim_type, c.summary, c.venue,
  (select group_concat(name, '; ') from (select t.name from claims_claim_topics l
    join claims_topic t on t.id = l.topic_id where l.claim_id = c.id order by t.name)) as topics,
  (select group_concat(headline, '; ') from (select distinct a.headline from claims_quote q
    join sources_article a on a.id = q.article_id where q.claim_id = c.id)) as articles,
  (select group_concat(name, '; ') from (select distinct o.name from claims_quote q
    join sources_article a on a.id = q.article_id join sources_outlet o on o.id = a.outlet_id
    where q.claim_id = c.id)) as outlets,
  (select group_concat(key, '; ') from (select other.key from claims_rebuttal r
    join claims_claim other on other.id = r.rebutted_claim_id where r.rebutting_claim_id = c.id
    order by other.said_on, other.id)) as rebuts,
  (select group_concat(key, '; ') from (select other.key from claims_rebuttal r
    join claims_claim other on other.id = r.rebutting_claim_id where r.rebutted_claim_id = c.id
    order by other.said_on, other.id)) as rebutted_by,
  c.said_on_precision, s.slug as speaker_slug
from claims_claim c join claims_speaker s on s.id = c.speaker_id
where c.speaker_id = :speaker and c.said_on >= '2020-08-01' and c.said_on <= '2020-08-31'
order by c.said_on, c.id
"""

# The 304 scenario sends the ETag its URL answered with just before.
ETAG_OF = object()
# A scenario with this header adds a parameter no filter reads, new on every request: each
# request is a first one (computed, not answered from the read cache), as after a write.
NEW_QUERY_EACH_TIME = "X-Bench-New-Query-Each-Time"
# (ours, Datasette's, target): each of ours at most half of Datasette's p50 (issue 13).
AGAINST_DATASETTE = [
    ("API list, page 1 (50 rows)", "Datasette: claims_claim.json, 50 rows, labels"),
    ("API search, common word", "Datasette: search, common word (FTS)"),
    ("page: claims list, page 1", "Datasette: table page with facets"),
    ("page: filtered list", "Datasette: filtered table page with facets"),
    ("API CSV export, one speaker's month", "Datasette: CSV, one speaker's month"),
    ("API CSV export, one speaker's month, cold", "Datasette: CSV, one speaker's month"),
    (
        "API CSV export, one speaker's month, cold",
        "Datasette: CSV, one speaker's month, the same names (SQL)",
    ),
]


def fetch(connection, path, headers=None):
    """One GET on a kept-alive connection: (seconds, status, queries, bytes)."""
    started = time.perf_counter()
    connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    return elapsed, response.status, response.getheader("X-Bench-Queries"), len(body)


def etag_of(port, path):
    """The ETag the path answers with; a page still counting its facets has none yet: asked again."""
    deadline = time.monotonic() + 120
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.getheader("ETag") or time.monotonic() > deadline:
            return response.getheader("ETag")
        time.sleep(0.5)


def with_new_query(path, tag):
    """The path with a parameter no filter reads, new each time: the read cache has no answer for it."""
    return f"{path}{'&' if '?' in path else '?'}bench_request={tag}-{time.time_ns()}"


def measure(port, path, requests, seconds, headers=None):
    """Sequential latencies (p50, p95), then throughput with two clients in parallel."""
    if headers and headers.get("If-None-Match") is ETAG_OF:
        headers = {**headers, "If-None-Match": etag_of(port, path)}
    paths = itertools.repeat(path)
    if headers and NEW_QUERY_EACH_TIME in headers:
        headers = {name: value for name, value in headers.items() if name != NEW_QUERY_EACH_TIME}
        paths = (with_new_query(path, number) for number in itertools.count())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    # The first request is reported on its own: on an empty cache it computes the page.
    first, status, queries, size = fetch(connection, next(paths), headers)
    if status not in (200, 304):
        return {"status": status}
    elapsed = first
    # A request slower than the whole budget is timed once more, not five times.
    minimum = 1 if elapsed > seconds else 5
    if minimum > 1:
        fetch(connection, next(paths), headers)
    timings = []
    deadline = time.monotonic() + seconds
    while len(timings) < requests and (len(timings) < minimum or time.monotonic() < deadline):
        elapsed, status, queries, size = fetch(connection, next(paths), headers)
        timings.append(elapsed)
    connection.close()
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {
        "status": status,
        "first": first,
        "p50": p50,
        "p95": p95,
        "requests": len(timings),
        "per_second": throughput(port, paths, len(timings), seconds / 2, headers) if minimum > 1 else 1 / p50,
        "queries": queries,
        "bytes": size,
    }


def alternated(port, paths, requests):
    """{path: p50 seconds} of the paths requested in turn, each computed (a new query each time).

    The two computed pages of a ratio measured side by side: one block after the other, the
    machine's load moved between them (the same pair gave 1.49 and 0.71 in two runs).
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    timings = {path: [] for path in paths}
    for number in range(requests + 2):
        for path in paths:
            elapsed, *_ = fetch(connection, with_new_query(path, f"pair-{number}"))
            if number >= 2:  # (two rounds to warm up)
                timings[path].append(elapsed)
    connection.close()
    return {path: statistics.median(times) for path, times in timings.items()}


def throughput(port, paths, requests, seconds, headers=None):
    """Requests per second with two client threads (gunicorn has one worker per core)."""
    done = []
    deadline = time.monotonic() + seconds
    lock = threading.Lock()

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while len(done) < requests and (len(done) < 4 or time.monotonic() < deadline):
            with lock:
                path = next(paths)
            fetch(connection, path, headers)
            done.append(1)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done) / (time.perf_counter() - started)


def large_export_paths(facts):
    """The biggest CSV a download may hold (API_CSV_MAX_ROWS, 100,000 rows) and the whole corpus."""
    if facts["claims"] <= 100_000:
        largest = ("the whole corpus", "/api/claims/?format=csv")
        return [largest]
    years = f"speaker={facts['speaker']}&said_from=2020&said_to=2024"
    return [
        ("the busiest speaker, 2020-2024", f"/api/claims/?{years}&format=csv"),
        ("the whole corpus", "/api/claims/?format=csv"),
    ]


def peak_memory(server):
    """The largest peak resident memory (VmHWM) of the server's workers, in MB (Linux)."""
    children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout
    peaks = []
    for child in children.split():
        try:
            lines = Path(f"/proc/{child}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM")]
    return max(peaks, default=0)


def large_exports(facts, server):
    """Each large export once, on a new query string (computed): first byte, last byte, size, memory."""
    rows = []
    for name, path in large_export_paths(facts):
        connection = http.client.HTTPConnection("127.0.0.1", GUNICORN_PORT, timeout=600)
        started = time.perf_counter()
        connection.request("GET", with_new_query(path, "export"), headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        first_byte = response.read(1)
        to_first_byte = time.perf_counter() - started
        body = first_byte + response.read()
        total = time.perf_counter() - started
        connection.close()
        rows.append((name, path, response.status, to_first_byte, total, body, peak_memory(server)))
    return rows


def large_export_table(rows):
    lines = [
        "Large CSV exports, each once on a new query string (computed, streamed); memory: the "
        "workers' peak resident size so far:",
        "",
        "| export | status | first byte ms | last byte ms | rows | MB | workers' peak RSS MB | URL |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, path, status, to_first_byte, total, body, memory in rows:
        count = body.count(b"\n") - 1 if status == 200 else 0
        lines.append(
            f"| {name} | {status} | {to_first_byte * 1000:.0f} | {total * 1000:.0f} | {count:,} | "
            f"{len(body) / 1e6:.1f} | {memory:.0f} | `{path}` |"
        )
    return "\n".join(lines)


def wait_for(port, path, process, name):
    for _ in range(120):
        if process.poll() is not None:
            sys.exit(f"{name} stopped while starting (exit {process.returncode}).")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{name} did not answer on port {port} within a minute.")


def clear_cache(database_url):
    """An empty read cache, so each scenario's first request computes its answer."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import cache; cache.clear()",
        ],
        cwd=BASE_DIR,
        env=server_environment(database_url),
        check=True,
    )


def after_a_write(database_url, paths):
    """A write through the API (its server precomputes in the background), then each page's first request."""
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    script = (
        "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token; "
        "from claims.models import Topic; "
        "user, _ = User.objects.get_or_create(username='bench-writer', defaults={'is_superuser': True}); "
        "print(Token.objects.get_or_create(user=user)[0].key, Topic.objects.order_by('pk').first().slug)"
    )
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE_DIR,
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    token, topic = output.split()[-2:]
    connection = http.client.HTTPConnection("127.0.0.1", GUNICORN_PORT, timeout=120)
    started = time.perf_counter()
    body = json.dumps({"description": f"Touched by the benchmark at {time.time():.0f}."})
    headers = {"Host": "127.0.0.1", "Authorization": f"Token {token}", "Content-Type": "application/json"}
    connection.request("PATCH", f"/api/topics/{topic}/", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    write_seconds = time.perf_counter() - started
    connection.close()
    time.sleep(AFTER_WRITE_PAUSE)
    firsts = []
    for path in paths:
        connection = http.client.HTTPConnection("127.0.0.1", GUNICORN_PORT, timeout=120)
        firsts.append((path, fetch(connection, path)[0]))
        connection.close()
    return response.status, write_seconds, firsts


# A reader arriving this long after a write: the writer's background thread has had the time.
AFTER_WRITE_PAUSE = 15
AFTER_WRITE_PATHS = ["/", "/claims/", "/timeline/", "/speakers/", "/api/claims/"]


def start_servers(arguments):
    environment = server_environment(arguments.database_url)
    # Production serves hashed static files (whitenoise's manifest): collect them first.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=environment,
        check=True,
    )
    gunicorn = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "tiktok_claims.wsgi:application",
            "--bind",
            f"127.0.0.1:{GUNICORN_PORT}",
            "--workers",
            str(arguments.workers),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=environment,
    )
    servers = [gunicorn]
    wait_for(GUNICORN_PORT, "/bench/floor/claims/", gunicorn, "gunicorn")
    datasette_database = None
    if arguments.database_url.startswith("sqlite:///"):
        database_file = Path(arguments.database_url.removeprefix("sqlite:///"))
        # Datasette's search declared on the same FTS5 table our SQLite search uses (rowid = claim id).
        metadata = database_file.with_suffix(".datasette.json")
        table = {"fts_table": "claims_claim_search", "fts_pk": "id"}
        metadata.write_text(
            json.dumps({"databases": {database_file.stem: {"tables": {"claims_claim": table}}}})
        )
        datasette = subprocess.Popen(
            [
                str(BIN / "datasette"),
                "serve",
                str(database_file),
                "--port",
                str(DATASETTE_PORT),
                "--metadata",
                str(metadata),
            ],
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(datasette)
        wait_for(DATASETTE_PORT, "/-/versions.json", datasette, "datasette")
        datasette_database = database_file.stem
    return servers, datasette_database


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{memory_kb / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "unknown"
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), {memory} RAM, load {load}"
    )


def table(results):
    floor = results[0][2].get("p50")
    lines = [
        "| scenario | first ms | p50 ms | p95 ms | req/s (2 clients) | SQL queries | × floor (p50) | URL |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, path, result in results:
        if "p50" not in result:
            lines.append(f"| {name} | HTTP {result['status']} | | | | | | `{path}` |")
            continue
        ratio = f"{result['p50'] / floor:.1f}" if floor else ""
        lines.append(
            f"| {name} | {result['first'] * 1000:.0f} | {result['p50'] * 1000:.1f} | "
            f"{result['p95'] * 1000:.1f} | "
            f"{result['per_second']:.1f} | {result['queries'] or '–'} | {ratio} | `{path}` |"
        )
    return "\n".join(lines)


def targets(results, cursor_pair):
    """Issue 13's targets in this run: against Datasette, the deep cursor, the 304.

    cursor_pair: (cursor's name, its p50, page 1's p50), both computed, requested in turn.
    """
    p50 = {name: result.get("p50") for name, _, result in results}
    first = {name: result.get("first") for name, _, result in results}
    lines = [
        "| target | ours p50 (first) ms | reference p50 ms | ratio p50 (first) | target |",
        "|---|---:|---:|---:|---|",
    ]

    def row(ours, reference, target):
        if not p50.get(ours) or not p50.get(reference):
            return
        lines.append(
            f"| {ours} vs {reference} | {p50[ours] * 1000:.1f} ({first[ours] * 1000:.0f}) | "
            f"{p50[reference] * 1000:.1f} | {p50[ours] / p50[reference]:.3f} "
            f"({first[ours] / p50[reference]:.3f}) | ≤ {target} |"
        )

    for ours, reference in AGAINST_DATASETTE:
        row(ours, reference, 0.5)
    cursor = next((name for name in p50 if name.startswith("API list, cursor at row")), None)
    if cursor:
        row(cursor, "API list, page 1 (50 rows)", 1.2)
    name, cursor_p50, page_p50 = cursor_pair
    lines.append(
        f"| {name}, computed vs page 1, computed (requested in turn) | {cursor_p50 * 1000:.1f} | "
        f"{page_p50 * 1000:.1f} | {cursor_p50 / page_p50:.3f} | ≤ 1.2 |"
    )
    row("304: the claims page, If-None-Match", "health check", 1.5)
    return "\n".join(lines)


def write_table(status, write_seconds, firsts):
    lines = [
        f"A PATCH of a topic through the API: HTTP {status} in {write_seconds * 1000:.0f} ms (the "
        f"precomputing runs after it answers). {AFTER_WRITE_PAUSE} s later, each page's first request:",
        "",
        "| page | first request after the write, ms |",
        "|---|---:|",
    ]
    lines += [f"| `{path}` | {seconds * 1000:.0f} |" for path, seconds in firsts]
    return "\n".join(lines)


def git_commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


def main():
    arguments = parse_arguments()
    where = arguments.database_url.split("@")[-1]
    say(f"make bench: {arguments.claims:,} claims on {where}; this takes minutes.")
    facts = prepare_database(arguments)
    say("== starting gunicorn (production settings) and the references")
    servers, datasette_database = start_servers(arguments)
    try:
        results = []
        clear_cache(arguments.database_url)
        rows = scenarios(facts, datasette_database)
        for number, (name, port, path, *headers) in enumerate(rows, start=1):
            result = measure(port, path, arguments.requests, arguments.seconds, *headers)
            results.append((name, path, result))
            figure = f"p50 {result['p50'] * 1000:.1f} ms" if "p50" in result else f"HTTP {result['status']}"
            say(f"  [{number}/{len(rows)}] {name}: {figure}")
        say("== the deep cursor and page 1, each computed, requested in turn")
        cursor_path = f"/api/claims/?after={facts['deep_cursor']}"
        pair = alternated(GUNICORN_PORT, ["/api/claims/", cursor_path], arguments.requests)
        cursor_pair = (
            f"API list, cursor at row {facts['deep_row']:,}",
            pair[cursor_path],
            pair["/api/claims/"],
        )
        say("== large CSV exports")
        exports = large_exports(facts, servers[0])
        say("== a write through the API, then the first request of each page")
        write = after_a_write(arguments.database_url, AFTER_WRITE_PATHS)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    when = datetime.datetime.now(datetime.UTC)
    report = "\n".join(
        [
            f"# Benchmark: {facts['claims']:,} claims on {facts['vendor']}",
            "",
            f"- date: {when:%Y-%m-%d %H:%M} UTC, commit {git_commit()}",
            f"- machine: {machine()}",
            f"- database: {facts['vendor']} {facts['version']}",
            f"- data: {facts['claims']:,} claims, {facts['quotes']:,} quotes, {facts['articles']:,} "
            f"articles, {facts['speakers']:,} speakers, {facts['rebuttals']:,} rebuttals (generate_corpus)",
            f"- server: gunicorn, {arguments.workers} sync workers, production settings "
            "(benchmarks.settings)",
            f"- client: this process; up to {arguments.requests} sequential requests per scenario "
            f"(at most {arguments.seconds:.0f} s) after the first (reported apart: on an emptied read cache "
            "it computes the answer; the others are cache hits), "
            "then the same with 2 parallel clients",
            "",
            table(results),
            "",
            targets(results, cursor_pair),
            "",
            large_export_table(exports),
            "",
            write_table(*write),
            "",
        ]
    )
    say("")
    say(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{when:%Y-%m-%d-%H%M}-{facts['vendor']}-{facts['claims']}.md"
    path.write_text(report)
    say(f"Written to {path.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
