"""The timeline's drawing for a set of claims: drawn one by one, or counted (from the summary tables
where they can answer, else from the claims), once per corpus version.

A counted drawing not yet in the cache has DRAWING_BUDGET_MS of the request: its bars first,
then its rebuttal curves. What is not counted within it is counted once in the background, and
the page gets what is ready (the bars without curves, or nothing yet), marked as still counting;
the page's script then fetches the whole drawing from /timeline/drawing/, which only reads the
cache.
"""

import time

from django.core.cache import cache
from django.db import connections

import claims.timeline.queries as queries
from claims.models import Claim, Rebuttal
from claims.timeline.layouts import Layout, timeline_layout
from claims.timeline.tallied import tallied_bars, total_claims
from tiktok_claims import readcache
from tiktok_claims.timelimits import OUT_OF_TIME, read_only_transaction, within

# The counted drawing's share of a request when it is not in the cache. Its rebuttal curves join
# every rebuttal to its two claims when the rows are speakers (8 s at a million claims), and a
# drawing filtered by a search or dates counts the claims too (1-2 s): a reader does not wait for
# that (issue 13: no request over 300 ms at a million claims).
DRAWING_BUDGET_MS = 60
# How long a drawing being computed keeps others from computing it too (it took 8-10 s at a
# million claims); past it, a reader starts again (the process computing it may have stopped).
COMPUTING_SECONDS = 120


def timeline_drawing(claims, rows_by="speaker", query=(), max_counted_links=400, tallied=None, compute=True):
    """The layout for these claims: each one drawn (two queries) or, past MAX_DRAWN_CLAIMS, counted.

    query: the page's other filters as (parameter, value) pairs, kept on the counted marks' links;
    max_counted_links: how many curves the counted drawing draws at most; tallied: a TallyFilter
    selecting the same claims, when the summary tables can count them (claims/timeline/tallied.py);
    compute=False: a counted drawing from the cache only, None when it is not there yet.
    """
    if claims.query.annotations:
        # Sorting by rebuttals joins them (a claim rebutted twice counted twice in a GROUP BY),
        # and search ranks: keep only which claims matched.
        claims = Claim.objects.filter(pk__in=claims.order_by().values("pk"))
    claims = claims.order_by()
    if tallied is not None and total_claims(tallied) > queries.MAX_DRAWN_CLAIMS:
        # Bars read from the summary tables: milliseconds, where counting the claims took seconds.
        key = readcache.key("timeline:tallied", rows_by, tuple(query), tallied, max_counted_links)
        return _counted(
            key, lambda: tallied_bars(tallied, claims, rows_by, query), max_counted_links, compute
        )
    few = list(
        claims.select_related("speaker").only(
            "said_on",
            "said_on_precision",
            "said_earliest",
            "summary",
            "speaker__name",
            "speaker__slug",
            "speaker__side",
        )[: queries.MAX_DRAWN_CLAIMS + 1]
    )
    if len(few) <= queries.MAX_DRAWN_CLAIMS:
        ids = [claim.pk for claim in few]
        rebuttals = Rebuttal.objects.filter(rebutting_claim__in=ids, rebutted_claim__in=ids).values_list(
            "rebutting_claim_id", "rebutted_claim_id", "relation"
        )
        return timeline_layout(few, rebuttals, rows_by=rows_by)
    sql, params = claims.query.sql_with_params()
    key = readcache.key("timeline", rows_by, tuple(query), sql, params, max_counted_links)
    return _counted(key, lambda: queries.claim_bars(claims, rows_by, query), max_counted_links, compute)


def _counted(cache_key, count_bars, max_links, compute=True):
    """The counted drawing from the cache, else counted within DRAWING_BUDGET_MS, else what is ready.

    count_bars(): (the bars, a function counting their curves), as queries.claim_bars.
    """
    layout = cache.get(cache_key)
    if layout is not None or not compute:
        return layout
    computing = f"{cache_key}:computing"
    # One reader (then its background thread) counts the curves; the others meanwhile get the bars.
    counts_curves = cache.add(computing, True, timeout=COMPUTING_SECONDS)
    connection = connections[Claim.objects.db]
    deadline = time.monotonic() + DRAWING_BUDGET_MS / 1000
    links = OUT_OF_TIME
    with read_only_transaction(connection):
        bars = within(connection, count_bars, DRAWING_BUDGET_MS)
        remaining = (deadline - time.monotonic()) * 1000
        if counts_curves and bars is not OUT_OF_TIME and remaining >= 1:
            links = within(connection, bars[1], remaining, savepoint=True)
    if links is not OUT_OF_TIME:
        layout = _draw(bars[0], links, max_links)
        readcache.store(cache_key, layout)
        cache.delete(computing)
        return layout
    if counts_curves:

        def draw_later():
            try:
                counted, curves = count_bars() if bars is OUT_OF_TIME else bars
                readcache.store(cache_key, _draw(counted, curves(), max_links))
            finally:
                cache.delete(computing)

        readcache.compute_later(draw_later)
    if bars is OUT_OF_TIME:
        # Nothing drawn yet: the page says the drawing is being counted.
        return Layout(1000, 60, 220, 985, 40, [], [], [], [], [], counting="drawing")
    layout = _draw(bars[0], ([], 0), max_links)
    layout.counting = "curves"
    return layout


def _draw(bars, links, max_links):
    links, left_out = links
    return queries.draw_counted(bars._replace(links=links, left_out=left_out), max_links)
