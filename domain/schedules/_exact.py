"""Exact integer arithmetic on minor units, shared by validation and the engine.

Rates such as 7.45 % / 12 have no finite decimal expansion, so rounding ``balance * rate`` in a
28-digit Decimal context can land on the wrong side of a half-cent tie (120.00 EUR at 7.45 %/12
is exactly 0.745 but 0.7449999... in Decimal). Amounts are therefore integers of minor units and
every rounding is an exact integer division.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import RoundingMode

__all__ = [
    "DOWN",
    "HALF_EVEN",
    "HALF_UP",
    "UP",
    "div_nearest",
    "div_round",
    "mode_code",
    "percent_of",
    "to_units",
]

HALF_UP, HALF_EVEN, DOWN, UP = 0, 1, 2, 3
_CODES = {
    RoundingMode.HALF_UP: HALF_UP,
    RoundingMode.HALF_EVEN: HALF_EVEN,
    RoundingMode.DOWN: DOWN,
    RoundingMode.UP: UP,
}


def mode_code(mode: RoundingMode) -> int:
    """Small integer standing for a rounding mode in the hot loops."""
    return _CODES[mode]


def div_round(numerator: int, denominator: int, mode: int) -> int:
    """``numerator / denominator`` rounded to an integer with ``mode`` (both operands >= 0 and
    denominator > 0): HALF_UP and HALF_EVEN to nearest, DOWN towards zero, UP away from zero."""
    q, r = divmod(numerator, denominator)
    if r == 0:
        return q
    if mode == HALF_UP:
        return q + 1 if 2 * r >= denominator else q
    if mode == HALF_EVEN:
        twice = 2 * r
        return q + 1 if twice > denominator or (twice == denominator and q & 1) else q
    return q if mode == DOWN else q + 1


def div_nearest(numerator: int, denominator: int, mode: int) -> int:
    """``numerator / denominator`` rounded to the NEAREST integer; a tie goes up for HALF_UP and
    UP, to even for HALF_EVEN, down for DOWN (the instalment-multiple rule: nearest, not up)."""
    q, r = divmod(numerator, denominator)
    twice = 2 * r
    if twice < denominator:
        return q
    if twice > denominator:
        return q + 1
    if mode == HALF_EVEN:
        return q + (q & 1)
    return q if mode == DOWN else q + 1


def to_units(value: Decimal, decimals: int) -> int | None:
    """``value`` as an integer count of ``10**-decimals`` units, or None when it has finer digits
    (or is not finite)."""
    if not value.is_finite():
        return None
    numerator, denominator = value.as_integer_ratio()
    units, rest = divmod(numerator * 10**decimals, denominator)
    return None if rest else units


def percent_of(units: int, percent: Decimal, mode: int) -> int:
    """``percent`` % of ``units`` minor units, rounded exactly with ``mode`` (units >= 0)."""
    numerator, denominator = percent.as_integer_ratio()
    return div_round(units * numerator, denominator * 100, mode)
