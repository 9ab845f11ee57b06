"""The timeline's layout: time across, speakers (grouped by side) down, rebuttals as links.

Computed here so the template only draws; marks that would overlap in a row are merged into
one counted mark linking to the filtered claim list, so the drawing stays readable (and its
size bounded) however many claims there are.
"""

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

    @property
    def is_empty(self):
        return not self.marks

    @property
    def labels(self):
        """Side headings and speaker rows top to bottom, the order a screen reader reads them."""
        return sorted(self.groups + self.rows, key=lambda label: label.y)


SIDE_ORDER = list(Side.values)
SIDE_LABELS = dict(Side.choices)


def _years(start, end):
    return range(start.year, end.year + 1)


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
    min_gap=16,
):
    """Place each claim (with .speaker loaded) and each rebuttal (rebutting_claim_id, rebutted_claim_id,
    relation) on the drawing. rows_by is "speaker" (one row per speaker) or "side" (one per side)."""
    claims = list(claims)
    plot_left, plot_right = label_width + 10, width - 15
    if not claims:
        return Layout(width, 60, plot_left, plot_right, 40, [], [], [], [], [])

    first = min(period_start(claim.said_on, claim.said_on_precision) for claim in claims)
    last = max(period_end(claim.said_on, claim.said_on_precision) for claim in claims)
    start, end = datetime.date(first.year, 1, 1), datetime.date(last.year + 1, 1, 1)
    scale = (plot_right - plot_left) / (end - start).days

    def x_of(day):
        return plot_left + (day - start).days * scale

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

    mark_of = {claim.pk: mark for mark in marks for claim in mark.claims}
    links, seen = [], set()
    for rebutting_id, rebutted_id, relation in rebuttals:
        source, target = mark_of.get(rebutting_id), mark_of.get(rebutted_id)
        if source is None or target is None or source is target or (id(source), id(target)) in seen:
            continue
        seen.add((id(source), id(target)))
        links.append(_link(source, target, relation))

    ticks = []
    for year in _years(start, end - datetime.timedelta(days=1)):
        ticks.append(Tick(x_of(datetime.date(year, 1, 1)), str(year), True))
        if end.year - start.year <= 4:
            for month, name in ((4, "Apr"), (7, "Jul"), (10, "Oct")):
                ticks.append(Tick(x_of(datetime.date(year, month, 1)), name, False))
    ticks.append(Tick(x_of(end), "", True))
    return Layout(width, height, plot_left, plot_right, axis_y, groups, rows, marks, links, ticks)


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


def _link(source, target, relation):
    """A curve from the rebutting mark to the rebutted one, bowed so it clears the rows between."""
    bow = max(18, abs(source.y - target.y) / 3)
    control_x = (source.x + target.x) / 2
    control_y = min(source.y, target.y) - bow
    if source.y == target.y:
        control_y = source.y - bow
    path = f"M {source.x:.1f} {source.y:.1f} Q {control_x:.1f} {control_y:.1f} {target.x:.1f} {target.y:.1f}"
    return Link(path, relation, f"{source.label} — {relation} — {target.label}")
