"""The only place that builds Money and rounds it.

py-moneyed silently accepts floats and rounds half-even in ``Money.round``; both are wrong for
loan contracts, so every amount in the project goes through these helpers instead.

One representation of money in the domain, by this rule:
- where an amount and its currency travel together across a boundary (a command, a decision, a
  tranche paid out: what a caller hands to an aggregate or a policy), they travel as one ``Money``
  built by ``money()``, and the receiver checks the currency is its own;
- an aggregate that lives in one currency (an application, a loan, a product's terms, a schedule)
  keeps that currency once and its amounts as ``Decimal`` in it: the schedule engine computes in
  exact integer minor units, and a ledger line is a Decimal in its transaction's currency;
- a figure that is not money (a rate, a ratio, a percentage, months) is a ``Decimal``, never Money.

Rounding lives here alone (tests/test_structure.py): ``quantize`` puts an amount in its currency's
minor unit with an explicit mode (reading a NUMERIC(14, 4) column back is such a rounding),
``is_in_minor_unit`` says whether it already is, ``round_figure`` rounds a figure that is not money.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from moneyed import Currency, Money, get_currency
from moneyed.classes import CurrencyDoesNotExist

from domain.errors import RuleViolation

__all__ = [
    "AMOUNT_LIMIT",
    "Money",
    "RoundingMode",
    "allocate",
    "checked_amount",
    "currency_of",
    "decimals",
    "is_in_minor_unit",
    "minor_unit",
    "money",
    "parse_decimal",
    "quantize",
    "round_figure",
    "zero",
]


class RoundingMode(StrEnum):
    """How a product rounds amounts to the currency's minor unit; contracts say half up."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"

    @property
    def decimal_rounding(self) -> str:
        return _ROUNDINGS[self]


_ROUNDINGS = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.DOWN: ROUND_DOWN,
    RoundingMode.UP: ROUND_UP,
}


# Every amount the lender records, and every balance it keeps, stays below this: ten digits
# before the point (the NUMERIC(14, 4) amount columns). Microcredit stays far below it.
AMOUNT_LIMIT = Decimal(10) ** 10


def currency_of(code: str, *, field: str = "currency") -> Currency:
    """The ISO 4217 currency for ``code``; an unknown code is a rule violation naming ``field``, not a crash."""
    try:
        currency = get_currency(code.upper() if isinstance(code, str) else code)
    except (CurrencyDoesNotExist, AttributeError, TypeError):
        raise RuleViolation(f"unknown currency {code!r}", code="money.unknown_currency", field=field) from None
    if currency.sub_unit is None or currency.code in {"XXX", "XTS"}:
        raise RuleViolation(f"unknown currency {code!r}", code="money.unknown_currency", field=field)
    return currency


def _decimals(currency: Currency) -> int:
    sub_unit = currency.sub_unit or 1
    places = 0
    while sub_unit > 1:
        sub_unit //= 10
        places += 1
    return places


def decimals(currency: str | Currency) -> int:
    """How many decimals the currency's minor unit has: 2 for EUR, 0 for JPY and XOF."""
    return _decimals(currency if isinstance(currency, Currency) else currency_of(currency))


def minor_unit(currency: str | Currency) -> Decimal:
    """The smallest amount of the currency: ``Decimal('0.01')`` for EUR, ``Decimal('1')`` for JPY."""
    if isinstance(currency, Currency):
        return Decimal(1).scaleb(-_decimals(currency))
    return _minor_unit_of_code(currency)


@lru_cache(maxsize=64)
def _minor_unit_of_code(code: str) -> Decimal:
    # Cached: repositories put every amount they read back in its unit, a loan's rows by the hundred.
    # An unknown code raises, and lru_cache keeps no exception, so it raises each time.
    return Decimal(1).scaleb(-_decimals(currency_of(code)))


def parse_decimal(value: str | Decimal | int, *, field: str = "amount") -> Decimal:
    """A finite Decimal from a string or int; floats are refused because they are not exact."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{field}: floats are not exact; pass a string or Decimal")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value)
        except (InvalidOperation, ValueError, TypeError):
            raise RuleViolation(f"{field} is not a decimal number", field=field) from None
    if not result.is_finite():
        raise RuleViolation(f"{field} must be a finite number", field=field)
    return result


def quantize(amount: Decimal, currency: str | Currency, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """Round ``amount`` to the currency's minor unit with an explicit rounding mode."""
    return amount.quantize(minor_unit(currency), rounding=mode.decimal_rounding)


def is_in_minor_unit(amount: Decimal, currency: str | Currency) -> bool:
    """Whether ``amount`` has no more decimals than the currency's minor unit (rounding would not change it)."""
    return amount == amount.quantize(minor_unit(currency), rounding=ROUND_DOWN)


def round_figure(value: Decimal, places: int, mode: RoundingMode = RoundingMode.HALF_UP) -> Decimal:
    """A figure that is not an amount (a ratio, a percentage, a number of months) rounded to ``places``
    decimals with an explicit mode; an amount is rounded to its currency with ``quantize``."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=mode.decimal_rounding)


def checked_amount(value: Decimal, currency: str, field: str, *, allow_zero: bool = False) -> Decimal:
    """An amount the lender records: more than zero (or zero when ``allow_zero``), below
    ``AMOUNT_LIMIT``, in the currency's minor unit (never rounded silently); a 422 naming ``field``."""
    if value >= AMOUNT_LIMIT:
        raise RuleViolation(f"must be below {AMOUNT_LIMIT:,}", code="money.too_large", field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise RuleViolation(
            "must be more than zero" if not allow_zero else "must not be negative",
            code="money.not_positive",
            field=field,
        )
    if not is_in_minor_unit(value, currency):
        raise RuleViolation(
            f"{currency} has {decimals(currency)} decimals at most", code="money.too_many_decimals", field=field
        )
    return quantize(value, currency)


def money(amount: str | Decimal | int, currency: str, *, field: str = "amount") -> Money:
    """Build Money exactly. A float is a TypeError; more decimals than the currency has is refused."""
    value = parse_decimal(amount, field=field)
    cur = currency_of(currency)
    if not is_in_minor_unit(value, cur):
        raise RuleViolation(
            f"{field} has more decimals than {cur.code} allows", code="money.too_many_decimals", field=field
        )
    return Money(value, cur)


def zero(currency: str) -> Money:
    """Zero in ``currency``."""
    return Money(Decimal(0).quantize(minor_unit(currency)), currency_of(currency))


def allocate(total: Decimal, weights: Sequence[Decimal | int], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``; the parts always add up to ``total`` exactly.

    Each part is rounded down to the minor unit and the leftover minor units go, one each, to the
    parts with the largest rounding losses (largest remainder method), so no cent is created or lost.
    """
    unit = minor_unit(currency)
    weight_sum = sum((Decimal(w) for w in weights), Decimal(0))
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    exact = [total * Decimal(w) / weight_sum for w in weights]
    parts = [e.quantize(unit, rounding=ROUND_DOWN) for e in exact]
    leftover = int((total - sum(parts, Decimal(0))) / unit)
    by_loss = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_loss[:leftover]:
        parts[i] += unit
    return parts
