"""Value objects of a repayment schedule (échéancier): terms, fees, instalments and the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.money import RoundingMode

__all__ = [
    "Amortization",
    "CashFlow",
    "DayCount",
    "Fee",
    "FeeCollection",
    "Installment",
    "InterestMethod",
    "InterestPeriod",
    "RepaymentUnit",
    "Schedule",
    "ScheduleTerms",
]


class RepaymentUnit(str, Enum):
    """Unit of the repayment frequency: instalments fall every N days, weeks or months."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class InterestMethod(str, Enum):
    """How interest accrues.

    DECLINING_BALANCE: on the principal still owed. FLAT: on the original principal every period,
    whatever has been repaid (its effective cost is much higher than the nominal rate; the TAEG
    shows it).
    """

    DECLINING_BALANCE = "declining_balance"
    FLAT = "flat"


class Amortization(str, Enum):
    """How principal is repaid: constant instalments (annuity) or constant principal parts."""

    EQUAL_INSTALLMENTS = "equal_installments"
    EQUAL_PRINCIPAL = "equal_principal"


class InterestPeriod(str, Enum):
    """How the rate of one period is derived from the nominal yearly rate.

    INSTALLMENT: the yearly rate divided by the periods per year (12/N for months, 52/N for weeks,
    365/N for days), whatever the dates. DAILY: the yearly rate times the day-count fraction of
    the actual period, the first one running from disbursement to the first due date.
    """

    INSTALLMENT = "installment"
    DAILY = "daily"


class DayCount(str, Enum):
    """Day-count convention of DAILY interest (see ``calendar.period_fraction`` for each rule)."""

    THIRTY_360 = "30/360"
    ACTUAL_365 = "actual/365"
    ACTUAL_360 = "actual/360"
    ACTUAL_ACTUAL = "actual/actual"


class FeeCollection(str, Enum):
    """When a fee is paid.

    WITHHELD_AT_DISBURSEMENT: kept back from the amount paid out (it lowers the TAEG's drawdown).
    ADDED_TO_INSTALLMENTS: spread over the instalments (it is part of the TAEG's payments).
    """

    WITHHELD_AT_DISBURSEMENT = "withheld_at_disbursement"
    ADDED_TO_INSTALLMENTS = "added_to_installments"


@dataclass(frozen=True)
class Fee:
    """A charge of the credit (e.g. the 5 % solidarity contribution): a percentage of the
    principal, rounded to the minor unit with the terms' rounding mode, or a fixed amount.
    Exactly one of ``percent_of_principal`` ("5" means 5 %) and ``amount`` is set. Every fee the
    borrower must pay counts in the TAEG (Directive 2008/48/EC, art. 3(g) and 19).
    """

    name: str
    collection: FeeCollection
    percent_of_principal: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleTerms:
    """What a loan offer says about repayment; validated on construction.

    ``annual_interest_rate`` is the nominal yearly rate in percent ("7.45" means 7.45 %).
    ``principal_grace_installments``: the first k instalments pay interest only (différé
    d'amortissement). ``interest_grace_installments``: the interest of the first k instalments is
    deferred, not waived, to instalment k + 1 (différé d'intérêts), without bearing interest.
    ``installment_multiple``: equal instalments (annuity, flat) are rounded to the nearest
    multiple of it (e.g. whole euros); equal principal ignores it (its principal parts are the
    amount over the instalments in the minor unit); the last instalment absorbs every remainder.
    Invalid terms raise ``RuleViolation`` with code ``schedule.invalid_terms`` and the API field at fault.
    """

    principal: Decimal
    currency: str
    annual_interest_rate: Decimal
    number_of_installments: int
    disbursement_date: date
    first_due_date: date
    repayment_every: int = 1
    repayment_unit: RepaymentUnit = RepaymentUnit.MONTH
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS
    interest_period: InterestPeriod = InterestPeriod.INSTALLMENT
    day_count: DayCount = DayCount.ACTUAL_ACTUAL
    principal_grace_installments: int = 0
    interest_grace_installments: int = 0
    installment_multiple: Decimal = Decimal("0.01")
    rounding: RoundingMode = RoundingMode.HALF_UP
    fees: tuple[Fee, ...] = ()

    def __post_init__(self) -> None:
        # Imported here because the validation module needs the classes of this one.
        from domain.schedules.validation import validate_terms

        validate_terms(self)


@dataclass(frozen=True)
class Installment:
    """One échéance: what is due on ``due_date`` and the principal still owed after paying it.

    ``total`` = ``principal`` + ``interest`` + ``fees``; ``interest`` is the interest paid with
    this instalment (deferred interest included); amounts are in the currency's minor unit.
    """

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    total: Decimal
    principal_remaining: Decimal


@dataclass(frozen=True)
class Schedule:
    """A repayment schedule and its TAEG, as shown in a credit offer.

    ``total_fees`` counts every fee (withheld and added to instalments); ``total_repayable`` is
    the sum of the instalments; ``net_disbursed`` is the principal less withheld fees; ``apr`` is
    the TAEG in percent with two decimals, rounded half up.
    """

    currency: str
    installments: tuple[Installment, ...]
    total_principal: Decimal
    total_interest: Decimal
    total_fees: Decimal
    total_repayable: Decimal
    net_disbursed: Decimal
    apr: Decimal


@dataclass(frozen=True)
class CashFlow:
    """An amount paid on a date, for the TAEG equation: a drawdown or a repayment/charge."""

    on: date
    amount: Decimal
