"""A deliberately plain second implementation, used to compute expected values in the tests.

It follows the textbook formulas with ``fractions.Fraction`` and a float bisection for the TAEG,
shares no code with the engine, and is only fit for small worked examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

CENT = Fraction(1, 100)


def half_up(value: Fraction, unit: Fraction = CENT) -> Fraction:
    """Round a non-negative amount to ``unit``, ties up."""
    return math.floor(value / unit + Fraction(1, 2)) * unit


def dec(value: Fraction) -> Decimal:
    """The Decimal value of an amount with a finite decimal expansion (compare by value)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def annuity(principal: Fraction, rates: list[Fraction]) -> Fraction:
    """A = P / sum_k prod_{j<=k} 1/(1 + r_j): the level payment repaying P at these rates."""
    factor, total = Fraction(1), Fraction(0)
    for rate in rates:
        factor /= 1 + rate
        total += factor
    return principal / total


@dataclass(frozen=True)
class Row:
    principal: Fraction
    interest: Fraction
    remaining: Fraction

    @property
    def total(self) -> Fraction:
        return self.principal + self.interest


def declining_annuity(
    principal: Fraction, rates: list[Fraction], multiple: Fraction = CENT, unit: Fraction = CENT
) -> list[Row]:
    """Annuity schedule: interest rounded half up each period, payment rounded to the nearest
    multiple, the last payment clearing the balance."""
    payment = half_up(annuity(principal, rates), multiple)
    rows, balance = [], principal
    for k, rate in enumerate(rates):
        interest = half_up(balance * rate, unit)
        part = balance if k == len(rates) - 1 else payment - interest
        balance -= part
        rows.append(Row(part, interest, balance))
    return rows


def irr_monthly_times(drawn: Fraction, payments: list[tuple[Fraction, Fraction]]) -> float:
    """X solving drawn = sum D (1+X)^-t by bisection on floats; t in years."""

    def gap(x: float) -> float:
        present = 0.0
        for t, amount in payments:
            present += float(amount) * (1 + x) ** -float(t)
        return present - float(drawn)

    lo, hi = -0.99, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def percent_2dp(rate: float) -> Decimal:
    """A rate as a percentage with two decimals, half up (callers keep away from ties)."""
    return Decimal(math.floor(rate * 10000 + 0.5)).scaleb(-2)


def days(start: date, end: date) -> int:
    return (end - start).days
