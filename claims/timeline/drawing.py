"""The timeline's drawing for a set of claims: drawn one by one, or counted (from the summary tables
where they can answer, else from the claims), once per corpus version."""

import claims.timeline.queries as queries
from claims.models import Claim, Rebuttal
from claims.timeline.layouts import timeline_layout
from claims.timeline.tallied import count_tallied, total_claims
from tiktok_claims import readcache


def timeline_drawing(claims, rows_by="speaker", query=(), max_counted_links=400, tallied=None):
    """The layout for these claims: each one drawn (two queries) or, past MAX_DRAWN_CLAIMS, counted.

    query: the page's other filters as (parameter, value) pairs, kept on the counted marks' links;
    max_counted_links: how many curves the counted drawing draws at most; tallied: a TallyFilter
    selecting the same claims, when the summary tables can count them (claims/timeline/tallied.py).
    """
    if claims.query.annotations:
        # Sorting by rebuttals joins them (a claim rebutted twice counted twice in a GROUP BY),
        # and search ranks: keep only which claims matched.
        claims = Claim.objects.filter(pk__in=claims.order_by().values("pk"))
    claims = claims.order_by()
    if tallied is not None and total_claims(tallied) > queries.MAX_DRAWN_CLAIMS:
        # Read from the summary tables: milliseconds, where counting the claims took seconds.
        return readcache.get_or_compute(
            "timeline:tallied",
            (rows_by, tuple(query), tallied, max_counted_links),
            lambda: queries.draw_counted(count_tallied(tallied, claims, rows_by, query), max_counted_links),
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
    # Counting a million claims takes a second or so, and laying out the bars a few hundred ms:
    # both once per corpus version, like the counts.
    sql, params = claims.query.sql_with_params()
    return readcache.get_or_compute(
        "timeline",
        (rows_by, tuple(query), sql, params, max_counted_links),
        lambda: queries.draw_counted(queries.count_claims(claims, rows_by, query), max_counted_links),
    )
