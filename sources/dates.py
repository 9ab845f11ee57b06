"""Dates known to a precision: a day, a month, a year, or only by bounds ("by 13 August 2020")."""

import calendar
import datetime
import re

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    # Known only to lie between two days: the date field holds the latest day it can be, and an
    # optional earliest day (claims' said_earliest) the other end; with no earliest, "by <day>".
    RANGE = "range", "Range (on or before a day)"


class PartialDate:
    """A date as far as it is written: 2020, 2020-08 or 2020-08-13, standing for its whole period."""

    PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
    MESSAGE = "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD."

    def __init__(self, text):
        match = self.PATTERN.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(self.MESSAGE)
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            if day is not None:
                self.first, self.precision = datetime.date(year, month, day), DatePrecision.DAY
            elif month is not None:
                self.first, self.precision = datetime.date(year, month, 1), DatePrecision.MONTH
            else:
                self.first, self.precision = datetime.date(year, 1, 1), DatePrecision.YEAR
        except ValueError:
            raise ValueError(f"{text.strip()} is not a date in the calendar. {self.MESSAGE}") from None
        self.last = period_end(self.first, self.precision)

    def __str__(self):
        return iso_with_precision(self.first, self.precision)

    def __eq__(self, other):
        return isinstance(other, PartialDate) and (self.first, self.precision) == (
            other.first,
            other.precision,
        )

    def __hash__(self):
        return hash((self.first, self.precision))


def period_start(day, precision, earliest=None):
    """The first day of the period a date stands for (bounds: the earliest day, else the day itself)."""
    if precision == DatePrecision.RANGE:
        return earliest or day
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(day, precision):
    """The last day of the period a date stands for at its precision (bounds: the day itself)."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def format_with_precision(day, precision, earliest=None):
    """Show only what is known: '12 August 2020', 'August 2020', '2020' or 'by 13 August 2020'."""
    if day is None:
        return ""
    if precision == DatePrecision.RANGE:
        latest = format_with_precision(day, DatePrecision.DAY)
        if earliest is None:
            return f"by {latest}"
        return f"between {format_with_precision(earliest, DatePrecision.DAY)} and {latest}"
    if precision == DatePrecision.YEAR:
        return f"{day.year}"
    if precision == DatePrecision.MONTH:
        return f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def iso_with_precision(day, precision, earliest=None):
    """Library of Congress EDTF: 2020-08-12, 2020-08, 2020; bounds as an interval, ../2020-08-13."""
    if precision == DatePrecision.RANGE:
        return f"{earliest.isoformat() if earliest else '..'}/{day.isoformat()}"
    if precision == DatePrecision.YEAR:
        return f"{day.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def validate_period_start(day, precision):
    """Return an error message when a month or year date is not the first day of its period."""
    if day is None or precision is None or precision == DatePrecision.RANGE:
        return None
    if day != period_start(day, precision):
        start = period_start(day, precision)
        return (
            f"A date known only to the {precision} is stored as the first day of that "
            f"{precision}: use {start.isoformat()}."
        )
    return None


def validate_bounds(latest, precision, earliest):
    """Return an error message when an earliest day is given without bounds, or is not before the latest."""
    if earliest is None or latest is None:
        return None
    if precision != DatePrecision.RANGE:
        return "An earliest day is only for a date known by its bounds: choose the precision “Range”."
    if earliest >= latest:
        return f"The earliest day must come before the latest ({latest.isoformat()})."
    return None
