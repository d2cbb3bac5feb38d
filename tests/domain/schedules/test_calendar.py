"""Due dates, day counts and the TAEG's measure of time, checked against hand-counted calendars."""

from __future__ import annotations

from datetime import date

import pytest

from domain.schedules import RepaymentUnit, add_period
from domain.schedules.calendar import DAY_COUNT_DENOMINATOR, due_dates, period_fraction, taeg_interval
from domain.schedules.model import DayCount


def test_a_month_after_january_31_is_the_last_day_of_february() -> None:
    assert add_period(date(2024, 1, 31), 1, RepaymentUnit.MONTH, 1) == date(2024, 2, 29)
    assert add_period(date(2025, 1, 31), 1, RepaymentUnit.MONTH, 1) == date(2025, 2, 28)
    assert add_period(date(2025, 1, 31), 1, RepaymentUnit.MONTH, 2) == date(2025, 3, 31)


def test_the_anchor_day_survives_a_short_month() -> None:
    assert add_period(date(2025, 2, 28), 1, RepaymentUnit.MONTH, 1, anchor_day=31) == date(2025, 3, 31)
    assert add_period(date(2025, 2, 28), 1, RepaymentUnit.MONTH, 1) == date(2025, 3, 28)


def test_weeks_and_days_are_calendar_days() -> None:
    assert add_period(date(2026, 1, 1), 2, RepaymentUnit.WEEK, 3) == date(2026, 2, 12)  # 42 days
    assert add_period(date(2026, 1, 1), 10, RepaymentUnit.DAY, 3) == date(2026, 1, 31)
    assert add_period(date(2026, 1, 1), 1, RepaymentUnit.MONTH, 0) == date(2026, 1, 1)


def test_due_dates_every_two_months_keep_the_31st() -> None:
    assert due_dates(date(2025, 12, 31), 2, RepaymentUnit.MONTH, 4) == [
        date(2025, 12, 31),
        date(2026, 2, 28),
        date(2026, 4, 30),
        date(2026, 6, 30),
    ]
    assert due_dates(date(2025, 12, 31), 1, RepaymentUnit.DAY, 2) == [date(2025, 12, 31), date(2026, 1, 1)]


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), 30),
        (date(2026, 1, 31), date(2026, 2, 28), 30),  # both ends count as the 30th
        (date(2026, 2, 28), date(2026, 3, 31), 30),
        (date(2028, 2, 28), date(2028, 3, 28), 30),  # 28 Feb 2028 is not the end of February
        (date(2026, 1, 30), date(2026, 1, 31), 0),
        (date(2025, 12, 15), date(2026, 1, 15), 30),
    ],
)
def test_30_360_counts_months_of_30_days(start: date, end: date, days: int) -> None:
    assert period_fraction(start, end, DayCount.THIRTY_360) == days
    assert DAY_COUNT_DENOMINATOR[DayCount.THIRTY_360] == 360


def test_actual_365_and_actual_360_count_calendar_days() -> None:
    assert period_fraction(date(2028, 2, 1), date(2028, 3, 1), DayCount.ACTUAL_365) == 29
    assert period_fraction(date(2028, 2, 1), date(2028, 3, 1), DayCount.ACTUAL_360) == 29


def test_actual_actual_weighs_each_year_by_its_length() -> None:
    # 2027-07-01 -> 2029-07-01: 184 days of 2027, all 366 of 2028, 181 of 2029.
    numerator = period_fraction(date(2027, 7, 1), date(2029, 7, 1), DayCount.ACTUAL_ACTUAL)
    assert numerator == 184 * 366 + 366 * 365 + 181 * 366
    assert DAY_COUNT_DENOMINATOR[DayCount.ACTUAL_ACTUAL] == 365 * 366
    leap_only = period_fraction(date(2028, 3, 1), date(2028, 4, 1), DayCount.ACTUAL_ACTUAL)
    assert leap_only == 31 * 365  # 31/366 of a year


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), (1, 0, 365)),
        (date(2026, 1, 15), date(2027, 1, 15), (12, 0, 365)),
        (date(2026, 1, 15), date(2026, 3, 20), (2, 5, 365)),
        # One month back from 28 Feb is 28 Jan, before the drawdown: 28 days, no month.
        (date(2026, 1, 31), date(2026, 2, 28), (0, 28, 365)),
        # Two months back from 30 Apr is 28 Feb (no 30 Feb), then 28 days back to 31 Jan.
        (date(2026, 1, 31), date(2026, 4, 30), (2, 28, 365)),
        # The days end on 15 Mar 2028: the year back from it holds 29 Feb 2028.
        (date(2028, 3, 10), date(2028, 4, 15), (1, 5, 366)),
        (date(2027, 12, 10), date(2028, 3, 15), (3, 5, 365)),
        # Directive wording: the year counted back from 20 Feb 2029 (to 20 Feb 2028) has 366 days.
        (date(2029, 2, 10), date(2029, 2, 20), (0, 10, 366)),
        (date(2026, 1, 15), date(2026, 1, 15), (0, 0, 365)),
    ],
)
def test_taeg_time_counts_whole_months_back_then_days(start: date, end: date, expected: tuple[int, int, int]) -> None:
    assert taeg_interval(start, end) == expected
