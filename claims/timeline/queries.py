"""What the timeline reads from the database: a few claims to draw, or counts per row and month."""

import functools
from urllib.parse import urlencode

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import TruncMonth
from django.urls import reverse

from claims.models import Rebuttal, RebuttalRelation
from claims.timeline.layouts import (
    SIDE_LABELS,
    SIDE_ORDER,
    Cell,
    CellKey,
    CountedClaims,
    CountedLink,
    CountedRow,
    counted_layout,
)
from sources.dates import DatePrecision, period_end

# Up to this many claims are drawn one by one, as the curated corpus (84) always is; more are
# counted per row and month in the database (drawing 10,000 claims one by one took 12 s).
MAX_DRAWN_CLAIMS = 300
# Speakers with a row of their own when more speakers than this have claims; the rest of each
# side share one "other speakers" row, so the drawing stays under ~30 rows.
MAX_SPEAKER_ROWS = 24
# Rebuttal curves between counted bars: the pairs of bars with the most rebuttals.
MAX_COUNTED_LINKS = 400
ROW_AND_MONTH_PARAMETERS = ("speaker", "side", "said_from", "said_to", "page")


def draw_counted(counted, max_links):
    """counted_layout of a CountedClaims."""
    return counted_layout(
        counted.rows, counted.cells, counted.links, counted.left_out, counted.headed, max_links=max_links
    )


def count_claims(claims, rows_by, query):
    """CountedClaims for counted_layout, grouped in the database: two or three queries."""
    return with_curves(*claim_bars(claims, rows_by, query))


def claim_bars(claims, rows_by, query):
    """The counted drawing's bars (CountedClaims without curves), and a function counting its curves.

    The curves function answers (links, left_out), as count_links.
    """
    speakers = busiest_speakers(claims) if rows_by == "speaker" else []
    rows, busiest = counted_rows(rows_by, speakers, query)
    names = ("row", "side", "year_only", "month")
    cells = [
        Cell(*cell_key(*(values[name] for name in names)), values["count"])
        for values in claims.values(**dict(zip(names, _cell_of("", rows_by, busiest), strict=True))).annotate(
            count=Count("pk")
        )
    ]
    bars = CountedClaims(rows, cells, [], 0, headed=rows_by == "speaker")
    return bars, lambda: count_links(claims, rows_by, busiest)


def with_curves(bars, curves):
    """The bars with their curves counted: a whole CountedClaims."""
    links, left_out = curves()
    return bars._replace(links=links, left_out=left_out)


def busiest_speakers(claims):
    """The MAX_SPEAKER_ROWS + 1 speakers with most claims: dicts of speaker (id), name, slug, side."""
    return [
        {
            "speaker": row["speaker"],
            "name": row["speaker__name"],
            "slug": row["speaker__slug"],
            "side": row["speaker__side"],
        }
        for row in claims.values("speaker", "speaker__name", "speaker__slug", "speaker__side")
        .annotate(count=Count("pk"))
        .order_by("-count", "speaker")[: MAX_SPEAKER_ROWS + 1]
    ]


def counted_rows(rows_by, speakers, query):
    """The CountedRows, and the ids of the speakers with a row of their own (None: every speaker has one).

    speakers: the busiest speakers, busiest first, at most MAX_SPEAKER_ROWS + 1 (from busiest_speakers).
    """
    # The page's filters stay on each mark's link, except those the row and month replace.
    kept = [(name, value) for name, value in query if name not in ROW_AND_MONTH_PARAMETERS]
    claim_list = reverse("claims:claim-list")
    rows, busiest = [], []
    if rows_by == "speaker":
        busiest = [speaker["speaker"] for speaker in speakers[:MAX_SPEAKER_ROWS]]
        for speaker in speakers[:MAX_SPEAKER_ROWS]:
            claim_filter = [("speaker", speaker["slug"]), *kept]
            href = reverse("claims:speaker-detail", args=[speaker["slug"]])
            rows.append(
                CountedRow(
                    (speaker["speaker"], speaker["side"]),
                    speaker["name"],
                    href,
                    speaker["side"],
                    claim_filter,
                )
            )
        if len(speakers) <= MAX_SPEAKER_ROWS:
            busiest = None  # every speaker has a row: group by speaker alone
    for side in SIDE_ORDER:
        claim_filter = [("side", side), *kept]
        href = claim_list + "?" + urlencode(claim_filter)
        if rows_by == "side":
            rows.append(CountedRow((0, side), SIDE_LABELS[side], href, side, claim_filter))
        else:
            by = f"other speakers ({SIDE_LABELS[side]})"
            rows.append(CountedRow((0, side), "Other speakers", href, side, claim_filter, by))
    return rows, busiest


def row_of(speaker, side, rows_by, busiest):
    """The key of the row a speaker's claims are counted in."""
    if rows_by == "side" or (busiest is not None and speaker not in busiest):
        return (0, side)
    return (speaker, side)


def _cell_of(prefix, rows_by, busiest):
    """The expressions placing a claim (or a rebuttal's claim, through prefix) in its cell."""
    speaker = F(prefix + "speaker")
    if rows_by == "side":
        row = Value(0)
    elif busiest is None:
        row = speaker
    else:
        row = Case(When(**{prefix + "speaker__in": busiest}, then=speaker), default=Value(0))
    year_only = Case(
        When(**{prefix + "said_on_precision": DatePrecision.YEAR}, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return row, F(prefix + "speaker__side"), year_only, TruncMonth(prefix + "said_on")


def cell_key(row, side, year_only, month):
    """The CellKey of a row's month, or of its year for claims dated only to the year."""
    return CellKey((row, side), month, _last_day(month, year_only))


@functools.lru_cache(maxsize=4096)
def _last_day(month, year_only):
    return month.replace(month=12, day=31) if year_only else period_end(month, DatePrecision.MONTH)


def count_links(claims, rows_by, busiest):
    """The MAX_COUNTED_LINKS busiest pairs of cells rebuttals join, and how many pairs were left out."""
    names = ("row", "side", "year_only", "month")
    rebuttals = Rebuttal.objects.all()
    if claims.query.has_filters():
        # EXISTS, not IN: SQLite walked every pair of the two id lists (96 s at 100k claims).
        claims = claims.order_by()
        rebuttals = rebuttals.filter(
            Exists(claims.filter(pk=OuterRef("rebutting_claim"))),
            Exists(claims.filter(pk=OuterRef("rebutted_claim"))),
        )
    source = dict(
        zip(
            ["source_" + name for name in names], _cell_of("rebutting_claim__", rows_by, busiest), strict=True
        )
    )
    target = dict(
        zip(["target_" + name for name in names], _cell_of("rebutted_claim__", rows_by, busiest), strict=True)
    )
    by_relation = {relation: Count("pk", filter=Q(relation=relation)) for relation in RebuttalRelation.values}
    pairs = (
        rebuttals.values(**source, **target)
        .annotate(count=Count("pk"), pairs=Window(Count("*")), **by_relation)
        .order_by("-count", *source, *target)[:MAX_COUNTED_LINKS]
    )
    links, left_out = [], 0
    for values in pairs:
        relations = {relation: values[relation] for relation in RebuttalRelation.values if values[relation]}
        links.append(
            CountedLink(
                cell_key(*(values["source_" + name] for name in names)),
                cell_key(*(values["target_" + name] for name in names)),
                relations,
                values["count"],
            )
        )
        left_out = values["pairs"] - MAX_COUNTED_LINKS
    return links, max(0, left_out)
