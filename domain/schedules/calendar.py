"""Due dates, day counts and the TAEG's measure of time.

Everything here is exact integer arithmetic on ``date``: a year fraction is returned as a
numerator over a fixed denominator so that interest can be rounded exactly.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from domain.schedules.model import DayCount, RepaymentUnit

__all__ = [
    "DAY_COUNT_DENOMINATOR",
    "add_period",
    "days_in_month",
    "due_dates",
    "period_fraction",
    "period_fractions",
    "taeg_interval",
    "taeg_intervals",
]

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Calendar length of a month (Gregorian; February has 29 days in leap years)."""
    if month == 2 and _is_leap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def _add_months(year: int, month: int, months: int, day: int) -> date:
    index = year * 12 + month - 1 + months
    y, m0 = divmod(index, 12)
    last = days_in_month(y, m0 + 1)
    return date(y, m0 + 1, day if day <= last else last)


def add_period(start: date, every: int, unit: RepaymentUnit, count: int, anchor_day: int | None = None) -> date:
    """The date ``count`` repayment periods of ``every`` ``unit`` after ``start``.

    Monthly dates keep the day of month ``anchor_day`` (the day of ``start`` when not given) and
    fall back to the month's last day when the month is shorter: Jan 31 -> Feb 28/29 -> Mar 31.
    Weeks are 7 calendar days and days are calendar days (weekends and holidays included).
    """
    if unit is RepaymentUnit.MONTH:
        return _add_months(start.year, start.month, every * count, anchor_day or start.day)
    if unit is RepaymentUnit.WEEK:
        return start + timedelta(days=7 * every * count)
    return start + timedelta(days=every * count)


def due_dates(first_due_date: date, every: int, unit: RepaymentUnit, count: int) -> list[date]:
    """The ``count`` due dates of a schedule: every ``every`` ``unit`` from ``first_due_date``.

    Monthly dates keep the first due date's day of month (month-end fallback, see ``add_period``).
    """
    if unit is not RepaymentUnit.MONTH:
        step = every * (7 if unit is RepaymentUnit.WEEK else 1)
        ordinal = first_due_date.toordinal()
        fromordinal = date.fromordinal
        return [fromordinal(ordinal + step * i) for i in range(count)]
    anchor = first_due_date.day
    year, month = first_due_date.year, first_due_date.month
    result: list[date] = []
    append = result.append
    for _ in range(count):
        if anchor <= 28:
            append(date(year, month, anchor))
        else:
            last = days_in_month(year, month)
            append(date(year, month, anchor if anchor <= last else last))
        month += every
        if month > 12:
            year += (month - 1) // 12
            month = (month - 1) % 12 + 1
    return result


# A day-count fraction is numerator / DAY_COUNT_DENOMINATOR[day_count]; actual/actual uses
# 365 * 366 so that days of common years (1/365) and of leap years (1/366) share one denominator.
DAY_COUNT_DENOMINATOR = {
    DayCount.THIRTY_360: 360,
    DayCount.ACTUAL_365: 365,
    DayCount.ACTUAL_360: 360,
    DayCount.ACTUAL_ACTUAL: 365 * 366,
}


def _thirty_e_360_isda_day(d: date) -> int:
    if d.day == 31 or (d.month == 2 and d.day == days_in_month(d.year, 2)):
        return 30
    return d.day


def period_fraction(start: date, end: date, day_count: DayCount) -> int:
    """Numerator of the year fraction of the days accruing interest, ``start`` included and
    ``end`` excluded (the ISDA way; the number of days is the same either way round).

    The denominator is ``DAY_COUNT_DENOMINATOR[day_count]``.

    - 30/360: the 30E/360 (ISDA) rule: a 31st and the last day of February count as day 30, so
      every whole month is 30 days (no exception for the final date); a year is 360 days.
    - actual/365 (fixed) and actual/360: calendar days over 365 or 360.
    - actual/actual (ISDA): the period is split at each 1 January; days falling in a leap year
      count 1/366, other days 1/365 (15 Dec 2027 -> 15 Jan 2028 is 17/365 + 14/366).
    """
    if day_count is DayCount.THIRTY_360:
        days = (
            360 * (end.year - start.year)
            + 30 * (end.month - start.month)
            + _thirty_e_360_isda_day(end)
            - _thirty_e_360_isda_day(start)
        )
        return days
    actual = end.toordinal() - start.toordinal()
    if day_count is not DayCount.ACTUAL_ACTUAL:
        return actual
    if start.year == end.year:
        return actual * (365 if _is_leap(start.year) else 366)
    numerator = 0
    cursor = start
    while cursor < end:
        boundary = date(cursor.year + 1, 1, 1)
        stop = boundary if boundary < end else end
        days = stop.toordinal() - cursor.toordinal()
        numerator += days * (365 if _is_leap(cursor.year) else 366)
        cursor = stop
    return numerator


def period_fractions(start: date, ends: list[date], day_count: DayCount) -> list[int]:
    """``period_fraction`` of each period of a schedule: ``start`` to the first end, then from
    each end to the next (numerators over ``DAY_COUNT_DENOMINATOR[day_count]``)."""
    starts = [start, *ends[:-1]]
    if day_count is DayCount.THIRTY_360:
        return [period_fraction(begin, end, day_count) for begin, end in zip(starts, ends)]
    ordinals = [start.toordinal(), *[end.toordinal() for end in ends]]
    days = [b - a for a, b in pairwise(ordinals)]
    if day_count is not DayCount.ACTUAL_ACTUAL:
        return days
    # Most periods lie within one year: weigh their days by 366 (common year) or 365 (leap).
    weight = {year: 365 if _is_leap(year) else 366 for year in {start.year, ends[-1].year}}
    weight.update((end.year, 365 if _is_leap(end.year) else 366) for end in ends if end.year not in weight)
    return [
        count * weight[end.year] if begin.year == end.year else period_fraction(begin, end, day_count)
        for count, begin, end in zip(days, starts, ends)
    ]


def taeg_interval(start: date, end: date) -> tuple[int, int, int]:
    """Time from ``start`` to ``end`` as the TAEG counts it: ``(months, days, year_days)``.

    Directive 2008/48/EC, Annex I, as amended by Directive 2011/90/EU (part I, (c) and (d)): whole
    months are counted backwards from ``end`` towards ``start`` (a month counted back from a day
    that the earlier month lacks lands on that month's last day), then the remaining days; the
    time in years is ``months / 12 + days / year_days`` where ``year_days`` is the length (365 or
    366) of the complete year counted backwards from the last day of that run of days to the same
    day of the previous year, i.e. 366 when that year contains a 29 February. ``year_days`` is
    365 when ``days`` is 0. ``end`` must not be before ``start``.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    # The day `months` months before `end` falls in start's month; if it is before start, one
    # month fewer is counted and the days run into the following month.
    last = days_in_month(start.year, start.month)
    day = end.day if end.day <= last else last
    if day >= start.day:
        days = day - start.day
        y, m, d = start.year, start.month, day
    else:
        months -= 1
        y, m0 = divmod(start.year * 12 + start.month, 12)
        m = m0 + 1
        nxt = days_in_month(y, m)
        d = end.day if end.day <= nxt else nxt
        days = last - start.day + d
    if days == 0:
        return months, 0, 365
    # Does the year (y-1, m, d) exclusive .. (y, m, d) inclusive contain a 29 February?
    leap = (_is_leap(y) and (m > 2 or (m == 2 and d == 29))) or (_is_leap(y - 1) and m <= 2)
    return months, days, 366 if leap else 365


def taeg_intervals(start: date, ends: list[date]) -> list[tuple[int, int, int]]:
    """``taeg_interval(start, end)`` for many ends, sharing the work.

    Given ``start``, the days and year length depend only on the end's day of month and the
    months only on the month difference, so each distinct day of month is worked out once.
    """
    by_day: dict[int, tuple[int, int, int]] = {}
    base = start.year * 12 + start.month
    result = []
    for end in ends:
        day = end.day
        known = by_day.get(day)
        if known is None:
            months, days, year_days = taeg_interval(start, end)
            known = by_day[day] = (end.year * 12 + end.month - base - months, days, year_days)
        result.append((end.year * 12 + end.month - base - known[0], known[1], known[2]))
    return result
