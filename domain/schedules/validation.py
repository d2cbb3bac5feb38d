"""Rules that schedule terms must satisfy before any figure is computed.

Each breach raises ``RuleViolation`` with code ``schedule.invalid_terms`` (or the money module's
code for an unknown currency) and ``field`` set to the API field name, so the HTTP layer can
point at the input at fault.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache

from domain.errors import RuleViolation
from domain.money import RoundingMode, decimals
from domain.schedules._exact import mode_code, percent_of, to_units
from domain.schedules.calendar import add_period
from domain.schedules.model import (
    Amortization,
    DayCount,
    Fee,
    FeeCollection,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    ScheduleTerms,
)

__all__ = [
    "MAX_INSTALLMENTS",
    "MAX_PRINCIPAL",
    "MAX_REPAYMENT_EVERY",
    "check_business_date",
    "check_first_period",
    "check_last_due_date",
    "currency_decimals",
    "latest_first_due_date",
    "validate_terms",
]

MAX_INSTALLMENTS = 600
MAX_REPAYMENT_EVERY = 366
# A technical bound, far above any microcredit: keeps every figure exact in a 60-digit context.
# Legal and product ceilings (EUR 12,000 ...) belong to product configuration, not here.
MAX_PRINCIPAL = Decimal("1e15")
_CODE = "schedule.invalid_terms"
_HUNDRED = Decimal(100)


def _fail(message: str, field: str) -> RuleViolation:
    return RuleViolation(message, code=_CODE, field=field)


def _decimal(owner: object, attribute: str, field: str) -> Decimal:
    """The Decimal in ``owner.attribute`` (an int is stored back as a Decimal); floats are not
    exact and are refused like everywhere else in the domain (see domain.money)."""
    value = getattr(owner, attribute)
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{field}: expected a Decimal, got {type(value).__name__}")
    if isinstance(value, int):
        value = Decimal(value)
        object.__setattr__(owner, attribute, value)
    if not value.is_finite():
        raise _fail(f"{field} must be a finite number", field)
    return value


def _integer(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field}: expected an int, got {type(value).__name__}")
    return value


@lru_cache(maxsize=256)
def currency_decimals(code: str) -> int:
    """Number of decimals of the currency's minor unit (2 for EUR, 0 for JPY); ISO 4217 data
    does not change while the process runs, so the answer is cached."""
    return decimals(code)


_ENUM_FIELDS: tuple[tuple[str, type[Enum]], ...] = (
    ("repayment_unit", RepaymentUnit),
    ("interest_method", InterestMethod),
    ("amortization", Amortization),
    ("interest_period", InterestPeriod),
    ("day_count", DayCount),
    ("rounding", RoundingMode),
)


def _coerce_enums(terms: ScheduleTerms) -> None:
    for name, kind in _ENUM_FIELDS:
        value = getattr(terms, name)
        if not isinstance(value, kind):
            try:
                object.__setattr__(terms, name, kind(value))
            except (ValueError, TypeError):
                allowed = ", ".join(member.value for member in kind)
                raise _fail(f"{name} must be one of {allowed}", name) from None


def _check_fee(fee: Fee, index: int, principal_units: int, decimals: int, terms: ScheduleTerms) -> int:
    """The fee in minor units when it is withheld at disbursement, else 0."""
    prefix = f"fees[{index}]"
    if not isinstance(fee, Fee):
        raise TypeError(f"{prefix}: expected a Fee, got {type(fee).__name__}")
    if not isinstance(fee.collection, FeeCollection):
        try:
            object.__setattr__(fee, "collection", FeeCollection(fee.collection))
        except (ValueError, TypeError):
            raise _fail("fee collection is unknown", f"{prefix}.collection") from None
    if (fee.percent_of_principal is None) == (fee.amount is None):
        raise _fail("a fee has either a percentage of the principal or an amount", prefix)
    if fee.percent_of_principal is not None:
        field = f"{prefix}.percent_of_principal"
        percent = _decimal(fee, "percent_of_principal", field)
        if not 0 <= percent <= _HUNDRED:
            raise _fail("a fee percentage is between 0 and 100", field)
        units = percent_of(principal_units, percent, mode_code(terms.rounding))
    else:
        field = f"{prefix}.amount"
        amount = _decimal(fee, "amount", field)
        if not 0 <= amount <= MAX_PRINCIPAL:
            raise _fail(f"a fee amount is from 0 to {MAX_PRINCIPAL:f}", field)
        found = to_units(amount, decimals)
        if found is None:
            raise _fail(f"a fee amount has at most the decimals of {terms.currency}", field)
        units = found
    return units if fee.collection is FeeCollection.WITHHELD_AT_DISBURSEMENT else 0


# The dates a loan may start and fall due between: any real loan, and far enough from the ends
# of Python's calendar (years 1 and 9999) that date arithmetic on them cannot leave it.
EARLIEST_BUSINESS_DATE = date(1900, 1, 1)
LATEST_BUSINESS_DATE = date(2999, 12, 31)


def check_business_date(value: date, field: str) -> None:
    """A date a loan starts or falls due on is between 1900 and 2999 (a 422 naming ``field``)."""
    if not EARLIEST_BUSINESS_DATE <= value <= LATEST_BUSINESS_DATE:
        raise _fail(
            f"must be between {EARLIEST_BUSINESS_DATE.isoformat()} and {LATEST_BUSINESS_DATE.isoformat()}", field
        )


# The engine charges the first period as one full repayment period, whatever its length. So the
# first due date is at most one period after the disbursement (a shorter first period costs the
# borrower a little more, never less, so the TAEG is never below the nominal rate); a longer
# deferral is a principal or interest grace period, which the engine prices period by period.
# No tolerance for a fixed due day: 15 days more on a one-month first period put the TAEG of a
# 7.45 % loan at 7.04 %, interest the contract does not charge.
def latest_first_due_date(disbursement_date: date, every: int, unit: RepaymentUnit) -> date:
    """The latest first due date a schedule disbursed on ``disbursement_date`` may have."""
    return add_period(disbursement_date, every, unit, 1)


def check_first_period(disbursement_date: date, first_due_date: date, every: int, unit: RepaymentUnit) -> None:
    """The first due date is a business date after the disbursement and at most one repayment
    period later (``latest_first_due_date``). One rule for quotes, offers and reschedules."""
    check_business_date(disbursement_date, "disbursement_date")
    check_business_date(first_due_date, "first_due_date")
    if first_due_date <= disbursement_date:
        raise _fail("the first due date comes after the disbursement date", "first_due_date")
    latest = latest_first_due_date(disbursement_date, every, unit)
    if first_due_date > latest:
        raise _fail(
            f"at most {latest.isoformat()}, one repayment period after the disbursement; "
            "defer longer with a grace period",
            "first_due_date",
        )


def check_last_due_date(first_due_date: date, every: int, unit: RepaymentUnit, installments: int) -> None:
    """The last due date is a business date too (worked out without leaving Python's calendar)."""
    periods = every * (installments - 1)
    if unit is RepaymentUnit.MONTH:
        last_month = first_due_date.year * 12 + first_due_date.month - 1 + periods
        within = last_month <= LATEST_BUSINESS_DATE.year * 12 + LATEST_BUSINESS_DATE.month - 1
    else:
        step = 7 if unit is RepaymentUnit.WEEK else 1
        within = first_due_date.toordinal() + step * periods <= LATEST_BUSINESS_DATE.toordinal()
    if not within:
        raise _fail(
            f"the last due date would be after {LATEST_BUSINESS_DATE.isoformat()}; fewer instalments "
            "or an earlier first due date",
            "number_of_installments",
        )


def validate_terms(terms: ScheduleTerms) -> None:
    """Check every rule on schedule terms (and normalise enum values given as strings).

    Principal > 0 with at most the currency's decimals; nominal rate 0..100 %; 1..600
    instalments every 1..366 units; grace counts from 0 to fewer than the instalments; first due
    date after disbursement by at most a period (``check_first_period``); every date from 1900 to
    2999; instalment multiple > 0 and a multiple of the minor unit; fee
    percentages 0..100, fee amounts >= 0 in the currency's unit; withheld fees below the principal.
    """
    if not isinstance(terms.currency, str):
        raise RuleViolation("the currency is an ISO 4217 code", code="money.unknown_currency", field="currency")
    try:
        decimals = currency_decimals(terms.currency)
    except RuleViolation as error:
        raise RuleViolation(error.message, code=error.code, field="currency") from None
    _coerce_enums(terms)
    principal = _decimal(terms, "principal", "principal")
    if not 0 < principal <= MAX_PRINCIPAL:
        raise _fail(f"the principal is more than zero and at most {MAX_PRINCIPAL:f}", "principal")
    principal_units = to_units(principal, decimals)
    if principal_units is None:
        raise _fail(f"the principal has at most the decimals of {terms.currency}", "principal")
    rate = _decimal(terms, "annual_interest_rate", "annual_interest_rate")
    if not 0 <= rate <= _HUNDRED:
        raise _fail("the yearly interest rate is between 0 and 100 %", "annual_interest_rate")
    count = _integer(terms.number_of_installments, "number_of_installments")
    if not 1 <= count <= MAX_INSTALLMENTS:
        raise _fail(f"the number of instalments is between 1 and {MAX_INSTALLMENTS}", "number_of_installments")
    every = _integer(terms.repayment_every, "repayment_every")
    if not 1 <= every <= MAX_REPAYMENT_EVERY:
        raise _fail(f"instalments fall every 1 to {MAX_REPAYMENT_EVERY} units", "repayment_every")
    for field in ("principal_grace_installments", "interest_grace_installments"):
        grace = _integer(getattr(terms, field), field)
        if not 0 <= grace < count:
            raise _fail("a grace period is from 0 to fewer than the number of instalments", field)
    if type(terms.disbursement_date) is not date or type(terms.first_due_date) is not date:
        raise TypeError("disbursement_date and first_due_date are dates (not datetimes)")
    check_first_period(terms.disbursement_date, terms.first_due_date, every, terms.repayment_unit)
    check_last_due_date(terms.first_due_date, every, terms.repayment_unit, count)
    multiple = _decimal(terms, "installment_multiple", "installment_multiple")
    multiple_units = to_units(multiple, decimals) if 0 < multiple <= MAX_PRINCIPAL else None
    if not multiple_units:
        raise _fail(
            f"the instalment multiple is a positive multiple of the minor unit of {terms.currency}",
            "installment_multiple",
        )
    if not isinstance(terms.fees, tuple):
        object.__setattr__(terms, "fees", tuple(terms.fees))
    withheld = 0
    for index, fee in enumerate(terms.fees):
        withheld += _check_fee(fee, index, principal_units, decimals, terms)
    if withheld >= principal_units:
        raise _fail("fees withheld at disbursement must be less than the principal", "fees")
