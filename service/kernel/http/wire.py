"""Wire types for money and decimals: amounts travel as strings, never JSON numbers.

Litestar would decode a JSON number to a float before a Decimal is built (losing cents), so
amounts, rates and percentages are strings with a pattern; the domain then checks bounds and
the currency's decimals and answers 422 naming the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import msgspec

from domain.errors import RuleViolation
from domain.money import AMOUNT_LIMIT, Money, RoundingMode, currency_of, money, parse_decimal, round_figure
from domain.money import checked_amount as domain_checked_amount

DecimalString = Annotated[
    str,
    msgspec.Meta(
        # [0-9], not \d: \d also matches other scripts' digits ("١٠٠"), which Decimal would accept.
        pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,12})?$",
        max_length=32,
        description='a decimal number written as a string, e.g. "7.45"',
        examples=["7.45"],
    ),
]
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code", examples=["EUR"])]


# In responses a Decimal is enough: msgspec writes it as a JSON string ("248.75"), exactly, and
# faster than formatting it in Python. Values are quantized before they get here.
AmountOut = Decimal


# Rates and percentages (nominal rate, TAEG, portfolio ratios) in responses: one representation
# everywhere, the number as written with at least two decimals ("7.45", "7.50", "12.125"), never
# the zeros a NUMERIC column pads with ("7.450000"). The schedule document renders the same in SQL
# (service.servicing.read.rate_sql).
RateOut = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^-?\d+\.\d{2,}$", description='a rate in percent, as a string, e.g. "7.45"', examples=["7.45"]
    ),
]


def rate_text(value: Decimal) -> str:
    """``value`` as ``RateOut`` writes it: trailing zeros dropped down to two decimals."""
    plain = value.normalize()
    exponent = plain.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        plain = round_figure(plain, 2)
    return f"{plain:f}"


def optional_rate_text(value: Decimal | None) -> str | None:
    """``rate_text`` for a rate that may be absent (an amendment recorded before its terms were kept)."""
    return None if value is None else rate_text(value)


class MoneyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amount: DecimalString
    currency: CurrencyCode


class MoneyOut(msgspec.Struct, frozen=True):
    amount: str
    currency: str


def money_of(wire: MoneyIn, field: str, *, allow_zero: bool = False) -> Money:
    """The domain's Money for the request's ``field`` (a MoneyIn), checked: known currency, its decimals,
    positive (or zero when ``allow_zero``), below the limit; a 422 naming ``<field>.amount`` or ``.currency``."""
    currency = currency_of(wire.currency, field=f"{field}.currency").code
    value = parse_decimal(wire.amount, field=f"{field}.amount")
    return money(checked_amount(value, currency, f"{field}.amount", allow_zero=allow_zero), currency)


def amount_of(wire: MoneyIn, field: str, *, allow_zero: bool = False) -> tuple[Decimal, str]:
    """``money_of`` as the amount and currency code, for commands that keep them apart (to be retired)."""
    checked = money_of(wire, field, allow_zero=allow_zero)
    return checked.amount, checked.currency.code


MAX_AMOUNT = AMOUNT_LIMIT


def checked_amount(value: Decimal, currency: str, field: str, *, allow_zero: bool = False) -> Decimal:
    """The domain's rule for a recorded amount (``domain.money.checked_amount``), for the routes."""
    return domain_checked_amount(value, currency, field, allow_zero=allow_zero)


def decimal_of(
    value: str, field: str, *, low: Decimal | None = None, high: Decimal | None = None, places: int | None = None
) -> Decimal:
    number = parse_decimal(value, field=field)
    if places is not None and number != round_figure(number, places, RoundingMode.DOWN):
        raise RuleViolation(f"at most {places} decimals", code="value.too_many_decimals", field=field)
    if (low is not None and number < low) or (high is not None and number > high):
        raise RuleViolation(f"must be between {low} and {high}", code="value.out_of_range", field=field)
    return number


def text(value: Decimal) -> str:
    """A Decimal as plain text, never in exponent form."""
    return f"{value:f}"


class InstallmentOut(msgspec.Struct, frozen=True):
    number: int
    due_date: date
    principal: AmountOut
    interest: AmountOut
    fees: AmountOut
    total: AmountOut
    principal_remaining: AmountOut
