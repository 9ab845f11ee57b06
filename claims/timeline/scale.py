"""The timeline's time axis: months across the plot, busy months wider."""

import calendar
import datetime
from dataclasses import dataclass

from sources.dates import DatePrecision, period_end, period_start


@dataclass
class Tick:
    x: float
    label: str
    major: bool


class TimeScale:
    """Months across the plot, from January of the first year to December of the last.

    A busy month (one holding a claim dated to the day or month) is busy_weight times wider than
    an empty one, so bursts of claims spread out while quiet stretches stay visible but short.
    """

    def __init__(self, first, last, busy, left, right, busy_weight=8):
        self.months = [(year, month) for year in range(first.year, last.year + 1) for month in range(1, 13)]
        weights = [busy_weight if month in busy else 1 for month in self.months]
        unit = (right - left) / sum(weights)
        self.left, self.right = left, right
        self.spans = {}
        # Each month's days, once: calendar.monthrange() per call was a third of x()'s cost.
        self.days = {}
        x = left
        for month, weight in zip(self.months, weights, strict=True):
            self.spans[month] = (x, weight * unit, month in busy)
            self.days[month] = calendar.monthrange(*month)[1]
            x += weight * unit

    @classmethod
    def for_claims(cls, claims, left, right):
        """The scale for these claims: from the first one's year to the end of the last one's period."""
        first = min(
            period_start(claim.said_on, claim.said_on_precision, claim.said_earliest) for claim in claims
        )
        last = max(period_end(claim.said_on, claim.said_on_precision) for claim in claims)
        busy = {
            (claim.said_on.year, claim.said_on.month)
            for claim in claims
            if claim.said_on_precision != DatePrecision.YEAR
        }
        return cls(first, last, busy, left, right)

    def x(self, day):
        """The x of the start of a day (a day past the last month maps to the right edge)."""
        month = (day.year, day.month)
        if month not in self.spans:
            return self.right if day > datetime.date(*self.months[-1], 1) else self.left
        x, width, _ = self.spans[month]
        return x + width * (day.day - 1) / self.days[month]

    def ticks(self):
        """A labelled line at each new year; a short label for each busy month wide enough to hold one."""
        ticks = []
        for (year, month), (x, width, busy) in self.spans.items():
            if month == 1:
                # A year too narrow for its label (no busy month in the one before) keeps its line only.
                crowded = ticks and ticks[-1].label and x - ticks[-1].x < 30
                ticks.append(Tick(x, "" if crowded else str(year), True))
            elif busy and width >= 26 and x - ticks[-1].x >= 30:
                ticks.append(Tick(x, calendar.month_abbr[month], False))
        ticks.append(Tick(self.right, "", True))
        return ticks
