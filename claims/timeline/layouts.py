"""Where each mark, row and curve goes: claims drawn one by one, or counted per row and month."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlencode

from django.urls import reverse

from claims.models import Side
from claims.timeline.scale import TimeScale
from sources.dates import period_end, period_start


@dataclass
class Row:
    label: str
    href: str
    y: float
    side: str
    is_group = False


@dataclass
class Group:
    label: str
    side: str
    y: float
    is_group = True


@dataclass
class Bar:
    """A counted mark's rectangle, its coordinates as the SVG's text."""

    x: str
    y: str
    width: str
    height: str
    year_only: bool


@dataclass
class Mark:
    x: float
    y: float
    side: str
    claims: list = field(default_factory=list)
    href: str = ""
    label: str = ""
    period_start_x: float = 0
    period_end_x: float = 0
    # The counted drawing's marks are bars: how many claims they count, and where they are drawn.
    total: int = 0
    bar: Bar | None = None

    @property
    def count(self):
        return self.total or len(self.claims)

    @property
    def radius(self):
        return 5 if self.count == 1 else min(10, 6 + self.count // 2)

    @property
    def shows_period(self):
        return self.period_end_x - self.period_start_x > 2 * self.radius


@dataclass
class Link:
    path: str
    relation: str
    label: str
    count: int = 1


@dataclass
class Layout:
    width: float
    height: float
    plot_left: float
    plot_right: float
    axis_y: float
    groups: list
    rows: list
    marks: list
    links: list
    ticks: list
    hidden_links: int = 0
    # The aggregated drawing: marks are claims counted per row and month, not single claims.
    counted_claims: int = 0
    # Still being counted in the background (claims/timeline/drawing.py): "curves" (the bars are
    # drawn, the rebuttal curves are not yet) or "drawing" (nothing is drawn yet).
    counting: str = ""

    @property
    def is_empty(self):
        return not self.marks

    @property
    def labels(self):
        """Side headings and speaker rows top to bottom, the order a screen reader reads them."""
        return sorted(self.groups + self.rows, key=lambda label: label.y)


SIDE_ORDER = list(Side.values)
SIDE_LABELS = dict(Side.choices)


def _row_key(claim, rows_by):
    if rows_by == "side":
        return claim.speaker.side
    return claim.speaker.pk


def timeline_layout(
    claims,
    rebuttals,
    rows_by="speaker",
    width=1000,
    label_width=210,
    row_height=26,
    group_height=28,
    min_gap=20,
    max_links=400,
):
    """Place each claim (with .speaker loaded) and each rebuttal (rebutting_claim_id, rebutted_claim_id,
    relation) on the drawing. rows_by is "speaker" (one row per speaker) or "side" (one per side)."""
    claims = list(claims)
    plot_left, plot_right = label_width + 10, width - 15
    if not claims:
        return Layout(width, 60, plot_left, plot_right, 40, [], [], [], [], [])

    scale = TimeScale.for_claims(claims, plot_left, plot_right)
    x_of = scale.x

    # Rows: sides in a fixed order, then speakers by their first claim.
    by_row = {}
    for claim in sorted(claims, key=lambda claim: (claim.said_on, claim.pk)):
        by_row.setdefault(_row_key(claim, rows_by), []).append(claim)
    groups, rows, marks = [], [], []
    y = 10
    for side in SIDE_ORDER:
        keys = [key for key, row_claims in by_row.items() if row_claims[0].speaker.side == side]
        if not keys:
            continue
        if rows_by == "speaker":
            groups.append(Group(SIDE_LABELS[side], side, y + group_height - 10))
            y += group_height
        for key in keys:
            row_claims = by_row[key]
            speaker = row_claims[0].speaker
            if rows_by == "side":
                side_url = reverse("claims:claim-list") + "?" + urlencode({"side": side})
                row = Row(SIDE_LABELS[side], side_url, y, side)
                row_filter = {"side": side}
            else:
                row = Row(speaker.name, speaker.get_absolute_url(), y, side)
                row_filter = {"speaker": speaker.slug}
            rows.append(row)
            marks.extend(_row_marks(row_claims, row, row_filter, x_of, min_gap, row_height))
            y += row_height
    axis_y = y + 4
    height = axis_y + 24

    links, hidden_links = _links(marks, rebuttals, max_links)

    ticks = scale.ticks()
    return Layout(
        width, height, plot_left, plot_right, axis_y, groups, rows, marks, links, ticks, hidden_links
    )


def _row_marks(row_claims, row, row_filter, x_of, min_gap, row_height):
    """One mark per claim; claims closer than min_gap to the first of a run share one counted mark."""
    entries = []
    for claim in row_claims:
        precision = claim.said_on_precision
        period = (
            period_start(claim.said_on, precision, claim.said_earliest),
            period_end(claim.said_on, precision),
        )
        middle = (x_of(period[0]) + x_of(period[1] + datetime.timedelta(days=1))) / 2
        entries.append((middle, period, claim))
    entries.sort(key=lambda entry: (entry[0], entry[2].pk))
    clusters = []
    for entry in entries:
        if clusters and entry[0] - clusters[-1][0][0] < min_gap:
            clusters[-1].append(entry)
        else:
            clusters.append([entry])
    marks = []
    centre = row.y + row_height / 2
    for entries in clusters:
        claims = [claim for _, _, claim in entries]
        x = (entries[0][0] + entries[-1][0]) / 2
        first, last = min(period[0] for _, period, _ in entries), max(period[1] for _, period, _ in entries)
        mark = Mark(round(x, 1), centre, row.side, claims)
        if len(claims) == 1:
            claim = claims[0]
            mark.href = claim.get_absolute_url()
            mark.label = f"{claim.speaker.name}, {claim.said_on_display}: {claim.summary}"
            if first != last:  # a period longer than a day (a month, a year, a range) is drawn
                mark.period_start_x = round(x_of(first), 1)
                mark.period_end_x = round(x_of(last + datetime.timedelta(days=1)), 1)
        else:
            query = {**row_filter, "said_from": first.isoformat(), "said_to": last.isoformat()}
            mark.href = reverse("claims:claim-list") + "?" + urlencode(query)
            mark.label = (
                f"{len(claims)} claims by {row.label}, {first.day} {first:%B %Y} to {last.day} {last:%B %Y}"
            )
        marks.append(mark)
    return marks


def _links(marks, rebuttals, max_links):
    """One curve per pair of marks a rebuttal joins, the most-used pairs first, at most max_links.

    Returns the links and how many pairs were left out, so the page can say so.
    """
    mark_of = {claim.pk: mark for mark in marks for claim in mark.claims}
    pairs = {}
    for rebutting_id, rebutted_id, relation in rebuttals:
        source, target = mark_of.get(rebutting_id), mark_of.get(rebutted_id)
        if source is None or target is None or source is target:
            continue
        pair = pairs.setdefault((id(source), id(target)), [source, target, relation, 0])
        pair[3] += 1
    ranked = sorted(pairs.values(), key=lambda pair: -pair[3])
    links = [_link(source, target, relation, count) for source, target, relation, count in ranked[:max_links]]
    return links, max(0, len(ranked) - max_links)


def _link(source, target, relation, count=1):
    """A curve from the rebutting mark to the rebutted one, bowed so it clears the rows between."""
    bow = max(18, abs(source.y - target.y) / 3)
    control_x = (source.x + target.x) / 2
    control_y = min(source.y, target.y) - bow
    if source.y == target.y:
        control_y = source.y - bow
    path = f"M {source.x:.1f} {source.y:.1f} Q {control_x:.1f} {control_y:.1f} {target.x:.1f} {target.y:.1f}"
    label = f"{source.label} — {relation} — {target.label}"
    if count > 1:
        label = f"{count} rebuttals: {label}"
    return Link(path, relation, label, count)


# The aggregated drawing, for results too big to draw claim by claim.


@dataclass
class CountedRow:
    """A row of the aggregated drawing: a side, a speaker, or a side's less busy speakers."""

    key: object
    label: str
    href: str
    side: str
    claim_filter: list  # (parameter, value) pairs for the claim list: the row's speaker or side first
    by: str = ""  # whose claims, in the marks' labels, when the row's label is not enough


@dataclass
class Cell:
    """How many claims of a row fall in one period: a month, or a year for claims dated to the year."""

    row: object
    first: datetime.date
    last: datetime.date
    count: int


class CellKey(NamedTuple):
    """Which bar: its row's key and the first and last day of its period."""

    row: object
    first: datetime.date
    last: datetime.date


class CountedLink(NamedTuple):
    """Rebuttals from the claims of one bar to those of another, per relation and in all."""

    source: CellKey
    target: CellKey
    relations: dict
    count: int


class CountedClaims(NamedTuple):
    """What counted_layout draws: rows, cells, the busiest links and how many links were not fetched."""

    rows: list
    cells: list
    links: list
    left_out: int = 0
    headed: bool = True


def counted_layout(
    rows,
    cells,
    links,
    left_out=0,
    headed=True,
    width=1000,
    label_width=210,
    row_height=26,
    group_height=28,
    max_links=400,
):
    """Draw counted claims: one bar per cell, the taller the more claims.

    rows are CountedRow in drawing order; cells are Cell; links are CountedLink, busiest first, and left_out
    how many pairs were not fetched; headed: a heading above each side's rows (rows by speaker).
    """
    plot_left, plot_right = label_width + 10, width - 15
    used = {cell.row for cell in cells}
    rows = [row for row in rows if row.key in used]
    if not cells:
        return Layout(width, 60, plot_left, plot_right, 40, [], [], [], [], [])
    busy = {(cell.first.year, cell.first.month) for cell in cells if cell.first.month == cell.last.month}
    scale = TimeScale(
        min(cell.first for cell in cells), max(cell.last for cell in cells), busy, plot_left, plot_right
    )
    # A bar's height grows with the square root of its claims per month, so quiet months stay
    # visible beside the peaks (its title gives the exact count). The "other speakers" rows,
    # thousands of speakers each, get a scale of their own, or they would flatten every speaker.
    per_month = {id(cell): cell.count / (1 if cell.first.month == cell.last.month else 12) for cell in cells}
    shared = {row.key: bool(row.by) for row in rows}
    most = {}
    for cell in cells:
        most[shared[cell.row]] = max(most.get(shared[cell.row], 0), per_month[id(cell)])
    tallest = row_height - 6

    groups, drawn_rows, row_at = [], [], {}
    y = 10
    for side, side_rows in rows_by_side(rows).items():
        if headed:
            groups.append(Group(SIDE_LABELS[side], side, y + group_height - 10))
            y += group_height
        for row in side_rows:
            drawn = Row(row.label, row.href, y, side)
            drawn_rows.append(drawn)
            row_at[row.key] = (row, drawn)
            y += row_height
    axis_y = y + 4
    claim_list = reverse("claims:claim-list")
    # A million claims' drawing has 2,500 bars in ~25 rows and ~100 periods: each row's query and
    # each period's place, link parameters and wording are worked out once, not per bar
    # (urlencode() per bar was half of this function's 60-100 ms).
    row_queries = {key: urlencode(row.claim_filter) for key, (row, _) in row_at.items()}
    periods = {}
    marks, mark_of = [], {}
    # Year-long bars first, so the month bars are drawn over them.
    for cell in sorted(cells, key=lambda cell: (cell.first.month == cell.last.month, cell.first)):
        row, drawn = row_at[cell.row]
        period = periods.get((cell.first, cell.last))
        if period is None:
            period = periods[cell.first, cell.last] = _period(scale, cell.first, cell.last)
        left, right, year_only, dates_query, when = period
        mark = Mark(round((left + right) / 2, 1), drawn.y + row_height / 2, row.side, total=cell.count)
        height = max(2.0, tallest * (per_month[id(cell)] / most[shared[cell.row]]) ** 0.5)
        bottom = mark.y + tallest / 2
        # Formatted here: the template's float formatting cost 0.3 s for 2,000 bars.
        mark.bar = Bar(
            f"{left + 0.5:.1f}",
            f"{bottom - height:.1f}",
            f"{max(1.5, right - left - 1):.1f}",
            f"{height:.1f}",
            year_only,
        )
        mark.href = f"{claim_list}?{row_queries[cell.row]}&{dates_query}"
        mark.label = f"{cell.count:,} claim{'s' if cell.count != 1 else ''} by {row.by or row.label}, {when}"
        marks.append(mark)
        mark_of[CellKey(cell.row, cell.first, cell.last)] = mark

    drawn_links = []
    for link in links:
        source_mark, target_mark = mark_of.get(link.source), mark_of.get(link.target)
        if source_mark is None or target_mark is None or source_mark is target_mark:
            continue  # rebuttals within one bar have no curve
        if len(drawn_links) < max_links:
            # The curve takes the commonest relation's style.
            relation = max(link.relations, key=link.relations.get)
            drawn_links.append(_link(source_mark, target_mark, relation, link.count))
        else:
            left_out += 1
    return Layout(
        width,
        axis_y + 24,
        plot_left,
        plot_right,
        axis_y,
        groups,
        drawn_rows,
        marks,
        drawn_links,
        scale.ticks(),
        left_out,
        counted_claims=sum(cell.count for cell in cells),
    )


def _period(scale, first, last):
    """(left x, right x, year only, said_from/said_to parameters, wording) of a bar's month or year."""
    year_only = first.month != last.month
    dates_query = urlencode([("said_from", first.isoformat()), ("said_to", last.isoformat())])
    when = f"dated only to the year {first.year}" if year_only else f"{first:%B %Y}"
    return scale.x(first), scale.x(last + datetime.timedelta(days=1)), year_only, dates_query, when


def rows_by_side(rows):
    """The rows grouped under their side, sides in the debate's order, each group's order kept."""
    return {
        side: [row for row in rows if row.side == side]
        for side in SIDE_ORDER
        if any(row.side == side for row in rows)
    }
