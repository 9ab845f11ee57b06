"""Single-query timings behind docs/performance.md (median of 5), run against a generated database.

    DJANGO_SETTINGS_MODULE=tiktok_claims.settings DEBUG=1 DATABASE_URL=... \
        .venv/bin/python benchmarks/queries.py assessment

The argument is a claim type the busiest speaker (gen-speaker-0) uses.
"""
# ruff: noqa: E402, B023 - imports follow django.setup(); each lambda runs before the loop moves on

import statistics
import sys
import time

import django

django.setup()
from django.db import connection
from django.http import QueryDict

from claims.filters import ClaimFilterSet
from claims.models import Claim


def timed(label, run, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - t) * 1000)
    print(f"{label:70} {statistics.median(times):9.1f} ms  ({result})", flush=True)


filters = "speaker=gen-speaker-0&said_from=2020-01-01&said_to=2024-12-31&claim_type=" + sys.argv[1]
qs = ClaimFilterSet(QueryDict(filters), queryset=Claim.objects.all()).qs
timed("filtered count, plain (distinct=False)", lambda: qs.count())
timed("filtered count, DISTINCT over every column (django-filter default)", lambda: qs.distinct().count())
timed("count of all claims", lambda: Claim.objects.count())
n = Claim.objects.count()
timed(
    "page 1: ids ORDER BY said_on, id LIMIT 50",
    lambda: len(list(Claim.objects.order_by("said_on", "pk").values_list("pk", flat=True)[:50])),
)
timed(
    "page 200 (OFFSET 9,950)",
    lambda: len(list(Claim.objects.order_by("said_on", "pk").values_list("pk", flat=True)[9950:10000])),
)
deep = int(n * 0.9) // 50 * 50
timed(
    f"page {deep // 50 + 1:,} (OFFSET {deep:,}) - refused now",
    lambda: len(list(Claim.objects.order_by("said_on", "pk").values_list("pk", flat=True)[deep : deep + 50])),
    repeat=3,
)
for text in ("Vermont keystroke", "data"):
    s = Claim.objects.search(text)
    timed(f"search {text!r}: count", lambda: s.count())
    timed(f"search {text!r}: page 1 by date", lambda: len(list(s.order_by("said_on", "pk")[:50])))
    timed(
        f"search {text!r}: page 1 by rank"
        if connection.vendor == "postgresql"
        else f"search {text!r}: capped count (10,001)",
        (lambda: len(list(s.order_by("-search_rank", "pk")[:50])))
        if connection.vendor == "postgresql"
        else (lambda: s[:10001].count()),
    )
    if connection.vendor == "sqlite":
        f = Claim.objects.all()._substring_search(text)
        timed(f"search {text!r}: count, substring fallback (no FTS5)", lambda: f.count(), repeat=1)
