"""TAEG (taux annuel effectif global, APR) of Directive 2008/48/EC, Annex I.

X solves  sum_k C_k (1+X)^(-t_k) = sum_l D_l (1+X)^(-s_l)  with C the drawdowns, D the
repayments and charges, t and s in years from the first drawdown (``calendar.taeg_interval``).
The result is a percentage with two decimals rounded half up (away from zero on a tie).

A float Newton iteration (bounded; a bracketed search backs it up) finds the root fast. Floats
serve only this search, never an amount: they come from true division of exact integers. The
stated figure is then guaranteed: when the float root lies within 1e-9 of a rounding boundary,
the sign of the exact equation is checked with Decimal at both ends of the rounding interval
(``verify_apr`` does this check for any stated figure). Consecutive equal payments at equal
spacing (an annuity) are summed in closed form, so a quote costs a few microseconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from itertools import repeat
from operator import mul
from typing import NamedTuple

from domain.errors import RuleViolation
from domain.schedules.apr_exact import Flow, bucket_holds_root
from domain.schedules.calendar import taeg_interval
from domain.schedules.model import CashFlow

__all__ = [
    "MAX_APR",
    "MIN_APR",
    "Flow",
    "Run",
    "compute_apr",
    "runs_of",
    "solve",
    "solve_flows",
    "verify_apr",
]

Run = tuple[float, float, int, float]
"""(first time in years, spacing in years, count, amount relative to the drawdowns)."""

MIN_APR = Decimal("-99")
# Beyond this the figure means nothing (one day of credit for a 5 % fee is already 1.4e10 %).
MAX_APR = Decimal("1e12")
_DELTA_LO = math.log(0.01)  # ln(1 + X) for X = -99 %
_DELTA_HI = math.log(1.0 + 1e10)  # X = 10^12 %
_NEWTON_STEPS = 30
_BRACKET_STEPS = 200
_BOUNDARY_MARGIN = 1e-5  # in hundredths of a percent: the root within 1e-9 of a boundary


def runs_of(flows: Sequence[Flow], scale: int) -> list[Run]:
    """Group consecutive flows of equal amount at equally spaced times (an annuity is one or a
    few runs) as (first time, spacing, count, amount / scale) so that a run sums in closed form."""
    runs: list[Run] = []
    p_months = p_days = p_year = p_amount = step_months = step_days = count = 0
    for months, days, year_days, amount in flows:
        if count and amount == p_amount and year_days == p_year:
            if count == 1:
                step_months, step_days = months - p_months, days - p_days
                count = 2
                s0 = runs[-1][0]
                runs[-1] = (s0, step_months / 12 + step_days / year_days, 2, runs[-1][3])
                p_months, p_days = months, days
                continue
            if months - p_months == step_months and days - p_days == step_days:
                count += 1
                first, spacing, _, value = runs[-1]
                runs[-1] = (first, spacing, count, value)
                p_months, p_days = months, days
                continue
        # int / int: the float input of the root search (amounts relative to the total drawn).
        runs.append((months / 12 + days / year_days, 0.0, 1, amount / scale))
        p_months, p_days, p_year, p_amount, count = months, days, year_days, amount, 1
    return runs


class _Side(NamedTuple):
    """One side of the equation, ready for repeated evaluation: single flows as parallel lists
    (summed with C-level ``map``) and runs of several flows (summed in closed form)."""

    neg_times: list[float]
    amounts: list[float]
    amount_times: list[float]
    runs: list[Run]


def _side(runs: list[Run]) -> _Side:
    times: list[float] = []
    amounts: list[float] = []
    long_runs: list[Run] = []
    for run in runs:
        s0, spacing, count, amount = run
        if count >= 4:
            long_runs.append(run)
        elif count == 1:
            times.append(s0)
            amounts.append(amount)
        else:  # short runs cost more in closed form than flow by flow
            times.extend([s0 + j * spacing for j in range(count)])
            amounts.extend([amount] * count)
    return _Side([-t for t in times], amounts, [t * a for t, a in zip(times, amounts)], long_runs)


_AT_START_RUNS: list[Run] = [(0.0, 0.0, 1, 1.0)]
_AT_START = _side(_AT_START_RUNS)  # the usual drawdown side: everything lent on day 0


def _present_value(side: _Side, delta: float) -> tuple[float, float]:
    """Sum of amount * exp(-t * delta) over one side, and its derivative in delta."""
    exp, expm1 = math.exp, math.expm1
    if len(side.neg_times) > 4:
        discounts = list(map(exp, map(mul, side.neg_times, repeat(delta))))
        value = sum(map(mul, side.amounts, discounts))
        slope = -sum(map(mul, side.amount_times, discounts))
    else:
        value = slope = 0.0
        for neg_time, amount, amount_time in zip(side.neg_times, side.amounts, side.amount_times):
            discount = exp(neg_time * delta)
            value += amount * discount
            slope -= amount_time * discount
    for s0, spacing, count, amount in side.runs:
        first = amount * exp(-s0 * delta)
        x = spacing * delta
        if count * abs(x) < 1e-3:
            # Geometric closed forms lose digits near ratio 1: sum directly.
            terms = [exp(-j * x) for j in range(count)]
            total = math.fsum(terms)
            weighted = math.fsum(j * term for j, term in enumerate(terms))
        else:
            em = expm1(-x)
            total = expm1(-count * x) / em
            weighted = (exp(-x) * total - count * exp(-count * x)) / -em
        value += first * total
        slope -= first * (s0 * total + spacing * weighted)
    return value, slope


def _equation(draws: _Side, pays: _Side, delta: float) -> tuple[float, float]:
    """Present value of the payments less that of the drawdowns, and its derivative."""
    pay, pay_slope = _present_value(pays, delta)
    if not draws.runs and draws.neg_times == [0.0]:  # one drawdown, at time 0
        return pay - draws.amounts[0], pay_slope
    draw, draw_slope = _present_value(draws, delta)
    return pay - draw, pay_slope - draw_slope


def _root(draws: _Side, pays: _Side, guess: float) -> float:
    """delta = ln(1 + X) solving the equation; Newton from ``guess``, then a bracketed search."""
    delta = min(max(guess, _DELTA_LO), _DELTA_HI)
    for _ in range(_NEWTON_STEPS):
        value, slope = _equation(draws, pays, delta)
        if not slope or not math.isfinite(value / slope):
            break
        step = value / slope
        moved = delta - step
        if not _DELTA_LO <= moved <= _DELTA_HI:
            break
        delta = moved
        # Quadratic convergence: once a step is below 1e-8, the new error is below ~1e-15.
        if abs(step) < 1e-8:
            return delta
    lo, hi = _DELTA_LO, _DELTA_HI
    f_lo, _ = _equation(draws, pays, lo)
    f_hi, _ = _equation(draws, pays, hi)
    if f_lo == 0:
        return lo
    if f_hi == 0:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        raise RuleViolation(
            f"no TAEG between {MIN_APR} % and {MAX_APR:,f} % balances these cash flows",
            code="apr.not_converging",
        )
    delta = (lo + hi) / 2
    for _ in range(_BRACKET_STEPS):
        value, slope = _equation(draws, pays, delta)
        if value == 0 or hi - lo < 1e-15:
            return delta
        if (value > 0) == (f_lo > 0):
            lo, f_lo = delta, value
        else:
            hi = delta
        moved = delta - value / slope if slope else lo - 1.0
        if lo < moved < hi:
            if abs(moved - delta) < 1e-14:
                return moved
            delta = moved
        else:
            delta = (lo + hi) / 2
    raise RuleViolation("the TAEG search did not converge", code="apr.not_converging")


ExactFlows = Callable[[], tuple[list[Flow], list[Flow]]]
"""Gives the integer drawdown and payment flows, only when a root lies near a rounding boundary."""


def solve(draw_runs: list[Run], pay_runs: list[Run], exact: ExactFlows) -> Decimal:
    """TAEG in percent (2 decimals, half up) from runs whose amounts are relative to the total
    drawn; ``exact`` gives the integer flows, needed only to settle a root near a boundary."""
    draw_time = sum(_run_time(run) for run in draw_runs)
    paid = sum(run[2] * run[3] for run in pay_runs)
    pay_time = sum(_run_time(run) for run in pay_runs) / paid
    guess = math.log(paid) / (pay_time - draw_time) if pay_time > draw_time else 0.0
    draw_side = _AT_START if draw_runs == _AT_START_RUNS else _side(draw_runs)
    try:
        rate = math.expm1(_root(draw_side, _side(pay_runs), guess)) * 10000  # in hundredths of a percent
    except OverflowError:  # flows so far apart that a bound of the search overflows a float
        raise RuleViolation(
            f"no TAEG between {MIN_APR} % and {MAX_APR:,f} % can be computed for these cash flows",
            code="apr.not_converging",
        ) from None
    size = abs(rate)
    hundredths = math.floor(size + 0.5) * (1 if rate >= 0 else -1)
    # The float root is good to ~1e-15 relative; near a boundary (or for huge rates, where that
    # is more than the margin) the exact equation decides.
    if abs(size - math.floor(size) - 0.5) < _BOUNDARY_MARGIN + size * 1e-12:
        draws, pays = exact()
        for candidate in (hundredths, hundredths - 1, hundredths + 1, hundredths - 2, hundredths + 2):
            if bucket_holds_root(draws, pays, candidate):
                hundredths = candidate
                break
        else:
            raise RuleViolation("the TAEG could not be verified exactly", code="apr.not_converging")
    return Decimal(hundredths).scaleb(-2)


def solve_flows(draws: list[Flow], pays: list[Flow]) -> Decimal:
    """TAEG of integer-amount flows; callers guarantee amounts >= 0 and positive totals."""
    drawn = sum(flow[3] for flow in draws)
    return solve(runs_of(draws, drawn), runs_of(pays, drawn), lambda: (draws, pays))


def _run_time(run: Run) -> float:
    """Amount-weighted time of a run (sum of amount * time over its flows)."""
    s0, spacing, count, amount = run
    return amount * count * (s0 + spacing * (count - 1) / 2)


def _to_flows(first: date, flows: Sequence[CashFlow], decimals: int, kind: str) -> list[Flow]:
    result = []
    for flow in sorted(flows, key=lambda f: f.on):
        if flow.on < first:
            raise RuleViolation(f"a {kind} is dated before the first drawdown", code="apr.invalid_cash_flows")
        numerator, denominator = flow.amount.as_integer_ratio()
        result.append((*taeg_interval(first, flow.on), numerator * 10**decimals // denominator))
    return result


def _checked(drawdowns: Sequence[CashFlow], payments: Sequence[CashFlow]) -> tuple[list[Flow], list[Flow]]:
    if not drawdowns or not payments:
        raise RuleViolation("the TAEG needs drawdowns and payments", code="apr.invalid_cash_flows")
    decimals = 0
    for flow in (*drawdowns, *payments):
        amount = flow.amount
        if not isinstance(amount, Decimal) or not isinstance(flow.on, date):
            raise TypeError("cash flows have a date and a Decimal amount")
        if not amount.is_finite() or amount < 0 or amount.adjusted() > 30:
            raise RuleViolation("cash flow amounts are finite, positive or zero", code="apr.invalid_cash_flows")
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int)
        decimals = max(decimals, -exponent)
    if decimals > 30:
        raise RuleViolation("cash flow amounts have at most 30 decimals", code="apr.invalid_cash_flows")
    drawn = [flow for flow in drawdowns if flow.amount > 0]
    if not drawn or not any(flow.amount > 0 for flow in payments):
        raise RuleViolation("drawdowns and payments must each add up to more than zero", code="apr.invalid_cash_flows")
    first = min(flow.on for flow in drawn)
    return _to_flows(first, drawdowns, decimals, "drawdown"), _to_flows(first, payments, decimals, "payment")


def compute_apr(drawdowns: Sequence[CashFlow], payments: Sequence[CashFlow]) -> Decimal:
    """The TAEG (Directive 2008/48/EC, Annex I) in percent with two decimals, rounded half up.

    Drawdowns are what the borrower receives (net of fees kept back); payments are every
    instalment and charge. Raises ``RuleViolation`` ``apr.invalid_cash_flows`` (nothing drawn or
    paid, a negative amount, a flow before the first drawdown) or ``apr.not_converging`` (no rate
    between -99 % and 10^12 % balances the flows).
    """
    draws, pays = _checked(drawdowns, payments)
    return solve_flows(draws, pays)


def verify_apr(drawdowns: Sequence[CashFlow], payments: Sequence[CashFlow], apr: Decimal) -> bool:
    """True when the exact TAEG equation changes sign within the half-up rounding interval of
    ``apr`` (e.g. [11.225 %, 11.235 %) for 11.23): the stated figure is right to the last digit."""
    draws, pays = _checked(drawdowns, payments)
    hundredths = apr.scaleb(2)
    if hundredths != hundredths.to_integral_value():
        return False
    return bucket_holds_root(draws, pays, int(hundredths))
