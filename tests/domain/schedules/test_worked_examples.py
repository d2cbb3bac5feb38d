"""Worked examples of the schedule engine, each expected value computed independently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.money import RoundingMode
from domain.schedules import (
    Amortization,
    CashFlow,
    DayCount,
    Fee,
    FeeCollection,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    Schedule,
    ScheduleTerms,
    build_schedule,
    verify_apr,
)
from tests.domain.schedules.schedule_reference import (
    annuity,
    dec,
    declining_annuity,
    half_up,
    irr_monthly_times,
    percent_2dp,
)

D = Decimal
F = Fraction


def terms(**overrides: object) -> ScheduleTerms:
    values: dict[str, object] = {
        "principal": D("10000.00"),
        "currency": "EUR",
        "annual_interest_rate": D("7.45"),
        "number_of_installments": 36,
        "disbursement_date": date(2026, 1, 15),
        "first_due_date": date(2026, 2, 15),
    }
    values.update(overrides)
    return ScheduleTerms(**values)  # type: ignore[arg-type]


def figures(schedule: Schedule) -> list[tuple[Decimal, Decimal, Decimal, Decimal, Decimal]]:
    return [(i.principal, i.interest, i.fees, i.total, i.principal_remaining) for i in schedule.installments]


def cash_flows(schedule: Schedule, disbursed_on: date) -> tuple[list[CashFlow], list[CashFlow]]:
    return (
        [CashFlow(disbursed_on, schedule.net_disbursed)],
        [CashFlow(i.due_date, i.total) for i in schedule.installments],
    )


def test_10000_over_36_months_at_7_45_with_5pct_withheld_fee() -> None:
    fee = Fee("solidarity contribution", FeeCollection.WITHHELD_AT_DISBURSEMENT, percent_of_principal=D("5"))
    schedule = build_schedule(terms(fees=(fee,)))

    first = schedule.installments[0]
    assert (first.principal, first.interest, first.total, first.principal_remaining) == (
        D("248.75"),
        D("62.08"),  # 10,000 x 7.45 % / 12 = 62.0833
        D("310.83"),
        D("9751.25"),
    )
    assert str(first.total) == "310.83"
    assert schedule.net_disbursed == D("9500.00")
    assert schedule.total_fees == D("500.00")
    assert sum(i.principal for i in schedule.installments) == D("10000.00")
    assert schedule.installments[-1].principal_remaining == 0

    expected = declining_annuity(F(10000), [F(745, 120000)] * 36)
    assert figures(schedule) == [
        (dec(r.principal), dec(r.interest), D(0), dec(r.total), dec(r.remaining)) for r in expected
    ]
    assert schedule.total_interest == dec(sum((r.interest for r in expected), F(0)))

    # Due dates keep the 15th, so payment k is exactly k/12 years after the drawdown.
    rate = irr_monthly_times(F(9500), [(F(k + 1, 12), r.total) for k, r in enumerate(expected)])
    assert schedule.apr == percent_2dp(rate) == D("11.53")
    assert verify_apr(*cash_flows(schedule, date(2026, 1, 15)), schedule.apr)


def test_due_dates_on_31st_fall_back_to_month_end() -> None:
    schedule = build_schedule(
        terms(disbursement_date=date(2027, 12, 31), first_due_date=date(2028, 1, 31), number_of_installments=5)
    )
    assert [i.due_date for i in schedule.installments] == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
    ]


def test_deferral_of_3_months_recomputes_annuity() -> None:
    schedule = build_schedule(terms(principal_grace_installments=3))
    rows = schedule.installments
    assert [(r.principal, r.interest, r.total) for r in rows[:3]] == [(D(0), D("62.08"), D("62.08"))] * 3
    assert rows[2].principal_remaining == D("10000.00")
    # The annuity is spread over the 33 remaining months: 10,000 r / (1 - (1 + r)^-33) = 336.0676.
    assert rows[3].total == D("336.07") == dec(half_up(annuity(F(10000), [F(745, 120000)] * 33)))
    assert all(r.total == D("336.07") for r in rows[3:-1])
    expected = declining_annuity(F(10000), [F(745, 120000)] * 33)
    assert figures(schedule)[3:] == [
        (dec(r.principal), dec(r.interest), D(0), dec(r.total), dec(r.remaining)) for r in expected
    ]


def test_interest_grace_defers_interest_to_next_installment() -> None:
    plain = build_schedule(terms(number_of_installments=12))
    deferred = build_schedule(terms(number_of_installments=12, interest_grace_installments=2))
    expected = declining_annuity(F(10000), [F(745, 120000)] * 12)

    # Principal is repaid as usual; the first two interest amounts move to instalment 3.
    assert [i.principal for i in deferred.installments] == [dec(r.principal) for r in expected]
    assert [i.interest for i in deferred.installments[:2]] == [0, 0]
    assert deferred.installments[2].interest == dec(expected[0].interest + expected[1].interest + expected[2].interest)
    assert deferred.installments[0].total == dec(expected[0].principal)
    assert [i.interest for i in deferred.installments[3:]] == [dec(r.interest) for r in expected[3:]]
    # Deferred, not waived, and not capitalised: the same interest in total.
    assert deferred.total_interest == plain.total_interest
    assert deferred.apr < plain.apr  # paying the same interest later costs less


def test_deferral_with_interest_grace_pays_nothing_then_catches_up() -> None:
    schedule = build_schedule(
        terms(number_of_installments=6, principal_grace_installments=2, interest_grace_installments=1)
    )
    rows = schedule.installments
    assert (rows[0].principal, rows[0].interest, rows[0].total) == (D(0), D(0), D(0))
    assert (rows[1].principal, rows[1].interest) == (D(0), D("124.16"))  # 2 x 62.08
    assert rows[2].total == dec(half_up(annuity(F(10000), [F(745, 120000)] * 4)))


def test_flat_interest_is_on_the_original_principal() -> None:
    schedule = build_schedule(
        terms(number_of_installments=12, annual_interest_rate=D("10"), interest_method=InterestMethod.FLAT)
    )
    # 10,000 x 10 % / 12 = 83.333 every month; principal 10,000 / 12 = 833.333.
    assert [i.interest for i in schedule.installments] == [D("83.33")] * 12
    assert [i.principal for i in schedule.installments] == [D("833.33")] * 11 + [D("833.37")]
    assert schedule.total_interest == D("999.96")
    # The effective cost is far above the nominal 10 %.
    assert schedule.apr > D("17")


def test_equal_principal_repays_the_same_principal_each_month() -> None:
    schedule = build_schedule(
        terms(
            principal=D("12000.00"),
            number_of_installments=12,
            annual_interest_rate=D("12"),
            amortization=Amortization.EQUAL_PRINCIPAL,
        )
    )
    # 1 % a month on 12,000, 11,000, ..., 1,000.
    assert [i.principal for i in schedule.installments] == [D("1000.00")] * 12
    assert [i.interest for i in schedule.installments] == [D(120 - 10 * k) for k in range(12)]
    assert schedule.total_interest == D("780.00")


def daily(principal: str, rate: str, day_count: DayCount, disbursed: date, dues: list[date]) -> Schedule:
    return build_schedule(
        terms(
            principal=D(principal),
            annual_interest_rate=D(rate),
            number_of_installments=len(dues),
            disbursement_date=disbursed,
            first_due_date=dues[0],
            interest_period=InterestPeriod.DAILY,
            day_count=day_count,
        )
    )


def check_daily(schedule: Schedule, principal: Fraction, rates: list[Fraction]) -> None:
    payment = half_up(annuity(principal, rates))
    balance = principal
    for k, (row, rate) in enumerate(zip(schedule.installments, rates)):
        interest = half_up(balance * rate)
        part = balance if k == len(rates) - 1 else payment - interest
        balance -= part
        assert (row.principal, row.interest, row.principal_remaining) == (
            dec(part),
            dec(interest),
            dec(balance),
        )


def test_daily_30_360_counts_every_month_as_30_days() -> None:
    dues = [date(2026, 2, 28), date(2026, 3, 28), date(2026, 4, 28)]
    schedule = daily("3600.00", "12", DayCount.THIRTY_360, date(2026, 1, 31), dues)
    # 30E/360 (ISDA): Jan 31 and Feb 28 (end of February) count as the 30th, so 30, 28, 30 days.
    rates = [F(12, 100) * F(d, 360) for d in (30, 28, 30)]
    assert schedule.installments[0].interest == D("36.00")  # 3,600 x 12 % x 30/360
    check_daily(schedule, F(3600), rates)


def test_daily_actual_365_uses_calendar_days_over_365() -> None:
    dues = [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    schedule = daily("3650.00", "10", DayCount.ACTUAL_365, date(2026, 3, 1), dues)
    assert schedule.installments[0].interest == D("31.00")  # 3,650 x 10 % x 31/365
    check_daily(schedule, F(3650), [F(1, 10) * F(d, 365) for d in (31, 30, 31)])


def test_daily_actual_360_uses_calendar_days_over_360() -> None:
    dues = [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    schedule = daily("3600.00", "10", DayCount.ACTUAL_360, date(2026, 3, 1), dues)
    assert schedule.installments[0].interest == D("31.00")  # 3,600 x 10 % x 31/360
    check_daily(schedule, F(3600), [F(1, 10) * F(d, 360) for d in (31, 30, 31)])


def test_daily_actual_actual_splits_a_period_at_the_year_end() -> None:
    dues = [date(2028, 1, 15), date(2028, 2, 15), date(2028, 3, 15)]
    schedule = daily("10000.00", "7.3", DayCount.ACTUAL_ACTUAL, date(2027, 12, 15), dues)
    # Dec 15 -> Jan 1: 17 days of 2027 (/365); Jan 1 -> Jan 15: 14 days of leap 2028 (/366).
    first = F(73, 1000) * (F(17, 365) + F(14, 366))
    rates = [first, F(73, 1000) * F(31, 366), F(73, 1000) * F(29, 366)]
    assert schedule.installments[0].interest == D("61.92")  # 10,000 x 7.3 % x (17/365 + 14/366)
    check_daily(schedule, F(10000), rates)


def test_weekly_instalments_use_the_rate_over_52() -> None:
    schedule = build_schedule(
        terms(
            principal=D("1000.00"),
            annual_interest_rate=D("5.2"),
            number_of_installments=4,
            repayment_unit=RepaymentUnit.WEEK,
            first_due_date=date(2026, 1, 22),
        )
    )
    # 5.2 % / 52 = 0.1 % a week: A = 1,000 x 0.001 / (1 - 1.001^-4) = 250.6253.
    assert [i.due_date for i in schedule.installments] == [
        date(2026, 1, 22),
        date(2026, 1, 29),
        date(2026, 2, 5),
        date(2026, 2, 12),
    ]
    first = schedule.installments[0]
    assert (first.interest, first.principal, first.total) == (D("1.00"), D("249.63"), D("250.63"))
    expected = declining_annuity(F(1000), [F(1, 1000)] * 4)
    assert [i.total for i in schedule.installments] == [dec(r.total) for r in expected]


def test_installment_multiple_of_1_rounds_to_the_nearest_euro_not_up() -> None:
    schedule = build_schedule(terms(number_of_installments=12, installment_multiple=D("1.00")))
    # The exact annuity is 867.3433: the nearest whole euro is 867, not 868.
    assert [i.total for i in schedule.installments[:-1]] == [D("867.00")] * 11
    expected = declining_annuity(F(10000), [F(745, 120000)] * 12, multiple=F(1))
    assert schedule.installments[-1].total == dec(expected[-1].total)
    assert sum(i.principal for i in schedule.installments) == D("10000.00")


def test_jpy_has_no_decimals() -> None:
    # The default multiple (0.01) is finer than the yen: a JPY quote passes its own.
    schedule = build_schedule(
        terms(
            currency="JPY",
            principal=D("1000000"),
            annual_interest_rate=D("12"),
            number_of_installments=12,
            installment_multiple=D("1"),
        )
    )
    first = schedule.installments[0]
    # 1 % a month: interest 10,000; A = 1,000,000 x 0.01 / (1 - 1.01^-12) = 88,848.79 -> 88,849.
    assert (first.interest, first.principal, first.total) == (D("10000"), D("78849"), D("88849"))
    assert all(i.total.as_tuple().exponent == 0 for i in schedule.installments)
    expected = declining_annuity(F(1000000), [F(1, 100)] * 12, multiple=F(1), unit=F(1))
    assert [i.total for i in schedule.installments] == [dec(r.total) for r in expected]
    assert schedule.currency == "JPY"


@pytest.mark.parametrize(
    ("mode", "interest"),
    [
        (RoundingMode.HALF_UP, "0.75"),
        (RoundingMode.HALF_EVEN, "0.74"),
        (RoundingMode.DOWN, "0.74"),
        (RoundingMode.UP, "0.75"),
    ],
)
def test_an_interest_tie_is_rounded_exactly(mode: RoundingMode, interest: str) -> None:
    # 120.00 x 7.45 % / 12 is exactly 0.745; a 28-digit Decimal would see 0.74499999...
    schedule = build_schedule(terms(principal=D("120.00"), number_of_installments=1, rounding=mode))
    assert schedule.installments[0].interest == D(interest)


def test_fee_added_to_installments_is_spread_and_counts_in_the_taeg() -> None:
    fee = Fee("file fee", FeeCollection.ADDED_TO_INSTALLMENTS, amount=D("100.00"))
    with_fee = build_schedule(terms(number_of_installments=12, fees=(fee,)))
    without = build_schedule(terms(number_of_installments=12))
    # 100.00 / 12 = 8.333: four instalments carry 8.34 and eight carry 8.33 (largest remainder).
    assert [i.fees for i in with_fee.installments] == [D("8.34")] * 4 + [D("8.33")] * 8
    assert [i.total - i.fees for i in with_fee.installments] == [i.total for i in without.installments]
    assert with_fee.total_fees == D("100.00")
    assert with_fee.net_disbursed == D("10000.00")
    assert with_fee.total_repayable == without.total_repayable + D("100.00")
    assert with_fee.apr > without.apr
    assert verify_apr(*cash_flows(with_fee, date(2026, 1, 15)), with_fee.apr)


def test_zero_rate_repays_principal_only() -> None:
    schedule = build_schedule(terms(annual_interest_rate=D("0"), number_of_installments=3))
    assert [i.total for i in schedule.installments] == [D("3333.33"), D("3333.33"), D("3333.34")]
    assert schedule.total_interest == 0
    assert schedule.apr == D("0.00")
