"""Calendar arithmetic the criteria need: ages, calendar months, windows in hours."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (earlier if negative), clipped to the
    month's last day: add_months(2026-03-31, -1) = 2026-02-28."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def birthday(birth_date: date, age: int) -> date:
    """The date a person born on `birth_date` turns `age`; a 29 February birthday falls on
    1 March in common years (the later of the two conventions, so an upper age limit is
    never passed early)."""
    year = birth_date.year + age
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth_date.replace(year=year)


def age_in_years(birth_date: date, on: date) -> int:
    """Completed years on `on`: 75 until the day before the 76th birthday."""
    years = on.year - birth_date.year
    if birthday(birth_date, years) > on:
        years -= 1
    return years


def days_before(ref: date, amount: int, unit: str) -> int:
    """The length in days of a window of `amount` `unit` that ends on `ref`.

    Calendar months and years are counted on the calendar ("3 months before 2026-05-31"
    starts on 2026-02-28). A window in hours is made conservative for date-only records:
    a date is within 72 hours only if it is at most 2 calendar days before, because a test
    dated 3 days before may have been drawn more than 72 hours earlier.
    """
    if unit == "days":
        return amount
    if unit == "weeks":
        return amount * 7
    if unit == "months":
        return (ref - add_months(ref, -amount)).days
    if unit == "years":
        return (ref - add_months(ref, -12 * amount)).days
    if unit == "hours":
        return max(-(-amount // 24) - 1, 0)
    raise ValueError(f"unknown time unit {unit!r}")


def plus_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
