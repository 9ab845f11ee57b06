"""The first request of each URL after a write: what a reader pays before any cache holds the answer.

Run in production settings against a generated corpus (docs/performance.md, "How to measure"):

    DEBUG=0 SECRET_KEY=... ALLOWED_HOSTS=testserver DATABASE_URL=postgres://.../claims_bench \\
    READ_CACHE_WARM=0 manage.py first_requests --settings=benchmarks.settings

Each URL is requested once per run, in this process, through the whole middleware stack (Django's
test client), right after the corpus version moved forward, as a write moves it, and the shared
cache was emptied: nothing is answered from the read cache. Work the request hands to the
background (facets, counts, the timeline's curves) is let finish before the next URL, so it does
not weigh on the next figure. READ_CACHE_WARM=0 keeps the precomputing thread from answering first.
"""

import time

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, SpeakerTally
from sources.models import Article
from tiktok_claims import readcache


def default_urls():
    """The pages and API reads of `make bench`, for this corpus's busiest speaker, a claim and an article."""
    speaker = (
        SpeakerTally.objects.order_by("-claims", "speaker_id").values_list("speaker_id", flat=True).first()
    )
    slug = Claim.objects.filter(speaker_id=speaker).values_list("speaker__slug", flat=True).first()
    claims = Claim.objects.count()
    claim = Claim.objects.order_by("pk").values_list("pk", flat=True)[claims // 2] if claims else None
    articles = Article.objects.count()
    article = (
        Article.objects.order_by("pk").values_list("slug", flat=True)[articles // 2] if articles else None
    )
    month = f"speaker={slug}&said_from=2020-08-01&said_to=2020-08-31"
    return [
        "/",
        "/claims/",
        f"/claims/?speaker={slug}&said_from=2020-01-01&said_to=2024-12-31&claim_type=assessment",
        "/claims/?side=us_government&claim_type=denial",
        "/claims/?side=independent&claim_type=statistic&said_from=2021",
        "/claims/?q=data",
        "/timeline/",
        "/timeline/?side=us_government",
        "/timeline/?q=data",
        "/speakers/",
        f"/speakers/{slug}/",
        f"/claims/{claim}/",
        "/articles/",
        f"/articles/{article}/",
        "/api/claims/",
        "/api/claims/?side=tiktok_bytedance&claim_type=denial",
        "/api/claims/?q=data",
        f"/api/claims/?{month}&format=csv",
    ]


class Command(BaseCommand):
    help = "Time the first request of each URL after a write (benchmarks only): a markdown table."

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="*", help="URLs to request (default: the benchmark's).")
        parser.add_argument("--runs", type=int, default=2, help="Times each URL is measured (default 2).")

    def handle(self, *args, **options):
        urls = options["urls"] or default_urls()
        # As a gunicorn worker starts: the application loaded, then what is loaded frozen.
        import tiktok_claims.wsgi  # noqa: F401

        client = Client()
        client.get("/healthz")  # the process's own first request (imports, connections) is not a URL's
        self.stdout.write("| URL | status | first request ms, per run | queries | Cache-Control | bytes |")
        self.stdout.write("|---|---:|---:|---:|---|---:|")
        for url in urls:
            timings = []
            for _ in range(options["runs"]):
                readcache.wait_for_background()
                readcache.corpus_changed()  # as a write: a new version, so no answer is kept
                cache.clear()
                with CaptureQueriesContext(connections["default"]) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    timings.append((time.perf_counter() - started) * 1000)
            self.stdout.write(
                f"| `{url}` | {response.status_code} | {' / '.join(f'{ms:,.0f}' for ms in timings)} | "
                f"{len(queries)} | {response.get('Cache-Control', '')} | {len(body):,} |"
            )
        readcache.wait_for_background()
