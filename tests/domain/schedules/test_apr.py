"""TAEG (Directive 2008/48/EC, Annex I) from cash flows, with closed-form expectations."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import RuleViolation
from domain.schedules import CashFlow, compute_apr, verify_apr

D = Decimal
START = date(2026, 1, 15)


def single(drawn: str, paid: str, on: date) -> tuple[list[CashFlow], list[CashFlow]]:
    return [CashFlow(START, D(drawn))], [CashFlow(on, D(paid))]


def test_one_payment_a_year_later_gives_the_simple_rate() -> None:
    flows = single("1000.00", "1100.00", date(2027, 1, 15))
    assert compute_apr(*flows) == D("10.00")
    assert verify_apr(*flows, D("10.00"))
    assert not verify_apr(*flows, D("10.01"))
    assert not verify_apr(*flows, D("10.004"))


def test_months_and_days_measure_the_time() -> None:
    # 15 Jan -> 20 Apr 2026: 3 months and 5 days, i.e. t = 3/12 + 5/365 years.
    flows = single("1000.00", "1050.00", date(2026, 4, 20))
    t = 3 / 12 + 5 / 365
    rate = 1.05 ** (1 / t) - 1
    assert abs(rate * 10000 - math.floor(rate * 10000) - 0.5) > 0.01  # far from a tie
    assert compute_apr(*flows) == D(math.floor(rate * 10000 + 0.5)).scaleb(-2)


@pytest.mark.parametrize(
    ("paid", "apr"),
    [("111.225", "11.23"), ("111.215", "11.22"), ("88.775", "-11.23"), ("100.005", "0.01")],
)
def test_a_rate_exactly_on_a_rounding_boundary_rounds_half_up(paid: str, apr: str) -> None:
    # One payment exactly a year later: X = paid / 100 - 1 exactly, e.g. 11.225 %.
    flows = single("100", paid, date(2027, 1, 15))
    assert compute_apr(*flows) == D(apr)
    assert verify_apr(*flows, D(apr))


def test_tranches_are_discounted_from_the_first_drawdown() -> None:
    draws = [CashFlow(START, D("500.00")), CashFlow(date(2026, 7, 15), D("500.00"))]
    pays = [CashFlow(date(2027, 1, 15), D("1080.00"))]
    # 500 + 500 v^0.5 = 1080 v with v = 1/(1+X): solve the quadratic in w = v^0.5.
    # 1080 w^2 - 500 w - 500 = 0
    w = (500 + math.sqrt(500**2 + 4 * 1080 * 500)) / (2 * 1080)
    rate = 1 / w**2 - 1
    assert compute_apr(draws, pays) == D(math.floor(rate * 10000 + 0.5)).scaleb(-2)
    assert verify_apr(draws, pays, compute_apr(draws, pays))


def test_a_payment_on_the_drawdown_day_counts_at_time_zero() -> None:
    pays = [CashFlow(START, D("100.00")), CashFlow(date(2027, 1, 15), D("990.00"))]
    # 1000 = 100 + 990 v: v = 900/990, X = 10 %.
    assert compute_apr([CashFlow(START, D("1000.00"))], pays) == D("10.00")


@pytest.mark.parametrize(
    ("draws", "pays"),
    [
        ([CashFlow(START, D("100"))], []),
        ([], [CashFlow(START, D("100"))]),
        ([CashFlow(START, D("100"))], [CashFlow(date(2027, 1, 1), D("-5"))]),
        ([CashFlow(START, D("100"))], [CashFlow(date(2026, 1, 1), D("110"))]),
        ([CashFlow(START, D("100"))], [CashFlow(date(2027, 1, 1), D("0"))]),
        ([CashFlow(START, D("0"))], [CashFlow(date(2027, 1, 1), D("10"))]),
        ([CashFlow(START, D("NaN"))], [CashFlow(date(2027, 1, 1), D("10"))]),
    ],
)
def test_unusable_cash_flows_are_refused(draws: list[CashFlow], pays: list[CashFlow]) -> None:
    with pytest.raises(RuleViolation) as caught:
        compute_apr(draws, pays)
    assert caught.value.code == "apr.invalid_cash_flows"


def test_a_rate_below_minus_99_percent_is_not_computed() -> None:
    with pytest.raises(RuleViolation) as caught:
        compute_apr(*single("1000.00", "5.00", date(2027, 1, 15)))
    assert caught.value.code == "apr.not_converging"


def test_a_rate_above_10_to_the_12_percent_is_not_computed() -> None:
    with pytest.raises(RuleViolation) as caught:
        compute_apr(*single("1.00", "1000.00", date(2026, 1, 16)))  # 1000^365
    assert caught.value.code == "apr.not_converging"


def test_a_one_day_loan_with_a_fee_has_a_huge_but_exact_taeg() -> None:
    # 97.50 drawn, 100.00 repaid the next day: X = (100 / 97.5)^365 - 1.
    flows = single("97.50", "100.00", date(2026, 1, 16))
    rate = D(100) / D("97.5")
    exact = (rate**365 - 1) * 100
    assert compute_apr(*flows) == exact.quantize(D("0.01"))
    assert verify_apr(*flows, compute_apr(*flows))


def test_float_amounts_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        compute_apr([CashFlow(START, 100.0)], [CashFlow(date(2027, 1, 1), D("110"))])  # type: ignore[arg-type]


def test_many_equal_payments_solve_like_an_annuity() -> None:
    # 24 monthly payments of 50 on the 15th for 1,000 drawn: monthly IRR i solves an annuity.
    pays = [CashFlow(date(2026 + (k + 1) // 12, (k + 1) % 12 + 1, 15), D("50.00")) for k in range(24)]
    lo, hi = 0.0, 0.1
    for _ in range(200):
        mid = (lo + hi) / 2
        if 50 * (1 - (1 + mid) ** -24) / mid > 1000:
            lo = mid
        else:
            hi = mid
    rate = (1 + lo) ** 12 - 1
    apr = compute_apr([CashFlow(START, D("1000.00"))], pays)
    assert apr == D(math.floor(rate * 10000 + 0.5)).scaleb(-2)
    assert verify_apr([CashFlow(START, D("1000.00"))], pays, apr)


def test_flows_centuries_apart_are_a_rule_violation_not_an_overflow() -> None:
    # Found by the API fuzz test: a payment 174 years after the drawdown made exp() overflow
    # at the low bound of the search (a 500). No TAEG in range can be computed: a 422.
    draws = [CashFlow(START, D("1000000.00"))]
    pays = [CashFlow(date(2026, 1, 16), D("1.00")), CashFlow(date(2200, 1, 15), D("0.01"))]
    with pytest.raises(RuleViolation) as caught:
        compute_apr(draws, pays)
    assert caught.value.code == "apr.not_converging"
