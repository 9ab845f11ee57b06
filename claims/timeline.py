"""The timeline's layout: time across, speakers (grouped by side) down, rebuttals as links.

Computed here so the template only draws; marks that would overlap in a row are merged into
one counted mark linking to the filtered claim list, so the drawing stays readable (and its
size bounded) however many claims there are.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from claims.models import Side
from sources.dates import DatePrecision, period_end, period_start


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
class Mark:
    x: float
    y: float
    side: str
    claims: list = field(default_factory=list)
    href: str = ""
    label: str = ""
    period_start_x: float = 0
    period_end_x: float = 0

    @property
    def count(self):
        return len(self.claims)

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
class Tick:
    x: float
    label: str
    major: bool


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

    @property
    def is_empty(self):
        return not self.marks

    @property
    def labels(self):
        """Side headings and speaker rows top to bottom, the order a screen reader reads them."""
        return sorted(self.groups + self.rows, key=lambda label: label.y)


SIDE_ORDER = list(Side.values)
SIDE_LABELS = dict(Side.choices)


class TimeScale:
    """Months across the plot, from January of the first year to December of the last.

    A month holding a claim dated to the day or month is busy_weight times wider than an empty
    one, so bursts of claims spread out while quiet stretches stay visible but short.
    """

    def __init__(self, claims, left, right, busy_weight=8):
        first = min(claim.said_on for claim in claims)
        last = max(period_end(claim.said_on, claim.said_on_precision) for claim in claims)
        busy = {
            (claim.said_on.year, claim.said_on.month)
            for claim in claims
            if claim.said_on_precision != DatePrecision.YEAR
        }
        self.months = [(year, month) for year in range(first.year, last.year + 1) for month in range(1, 13)]
        weights = [busy_weight if month in busy else 1 for month in self.months]
        unit = (right - left) / sum(weights)
        self.left, self.right = left, right
        self.spans = {}
        x = left
        for month, weight in zip(self.months, weights, strict=True):
            self.spans[month] = (x, weight * unit, month in busy)
            x += weight * unit

    def x(self, day):
        """The x of the start of a day (a day past the last month maps to the right edge)."""
        if (day.year, day.month) not in self.spans:
            return self.right if day > datetime.date(*self.months[-1], 1) else self.left
        x, width, _ = self.spans[(day.year, day.month)]
        return x + width * (day.day - 1) / calendar.monthrange(day.year, day.month)[1]

    def ticks(self):
        """A labelled line at each new year; a short label for each busy month wide enough to hold one."""
        ticks = []
        for (year, month), (x, width, busy) in self.spans.items():
            if month == 1:
                ticks.append(Tick(x, str(year), True))
            elif busy and width >= 26 and x - ticks[-1].x >= 30:
                ticks.append(Tick(x, calendar.month_abbr[month], False))
        ticks.append(Tick(self.right, "", True))
        return ticks


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

    scale = TimeScale(claims, plot_left, plot_right)
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
        period = (period_start(claim.said_on, precision), period_end(claim.said_on, precision))
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
            if claim.said_on_precision != DatePrecision.DAY:
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
