"""Dates known to a precision: a day, a month or a year."""

import calendar

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def period_start(day, precision):
    """The first day of the period a date stands for at its precision."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def period_end(day, precision):
    """The last day of the period a date stands for at its precision."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def format_with_precision(day, precision):
    """Show only what is known: '12 August 2020', 'August 2020' or '2020'."""
    if day is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{day.year}"
    if precision == DatePrecision.MONTH:
        return f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def iso_with_precision(day, precision):
    """ISO 8601 reduced to the known precision: 2020-08-12, 2020-08 or 2020."""
    if precision == DatePrecision.YEAR:
        return f"{day.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def validate_period_start(day, precision):
    """Return an error message when a month or year date is not the first day of its period."""
    if day is None or precision is None:
        return None
    if day != period_start(day, precision):
        start = period_start(day, precision)
        return (
            f"A date known only to the {precision} is stored as the first day of that "
            f"{precision}: use {start.isoformat()}."
        )
    return None
