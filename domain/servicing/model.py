"""Value objects of loan servicing: the product's servicing terms, money events, and loan states.

A loan's state as of a date is a pure function of its contractual schedule, these terms and the
events up to that date (see ``replay.state_as_of``); nothing here is mutable.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from domain.errors import RuleViolation
from domain.money import RoundingMode, currency_of, is_in_minor_unit
from domain.schedules import Installment

__all__ = [
    "REPAYABLE",
    "Allocation",
    "Component",
    "Event",
    "InstallmentState",
    "InstallmentStatus",
    "LoanState",
    "Overpayment",
    "Payment",
    "PaymentChannel",
    "Reschedule",
    "Reversal",
    "ServicingTerms",
    "WriteOff",
]


class Component(StrEnum):
    """What a euro of a payment pays: the four parts of an instalment, or a recovery of a
    written-off loan (a recovery pays the written-off debt as a whole, not an instalment)."""

    PENALTIES = "penalties"
    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"
    RECOVERY = "recovery"


REPAYABLE = (Component.PENALTIES, Component.FEES, Component.INTEREST, Component.PRINCIPAL)


class Overpayment(StrEnum):
    """What the product does with money left once everything due is paid (and the loan is not
    paid off by it): keep it as a credit applied to the next instalments as they fall due, or
    prepay principal so that the term shortens (same instalment) or the instalments fall (same
    term). See ``replay`` for the exact rules."""

    KEEP_AS_CREDIT = "keep_as_credit"
    REDUCE_TERM = "reduce_term"
    REDUCE_INSTALLMENT = "reduce_installment"


class PaymentChannel(StrEnum):
    """How the borrower paid (issue 5): SEPA direct debit, transfer, cash or card."""

    DIRECT_DEBIT = "direct_debit"
    TRANSFER = "transfer"
    CASH = "cash"
    CARD = "card"


def _invalid(message: str, field: str) -> RuleViolation:
    return RuleViolation(message, code="servicing.invalid_terms", field=field)


@dataclass(frozen=True, kw_only=True)
class ServicingTerms:
    """How a product version services its loans; validated on construction.

    ``allocation_order``: the order in which a payment pays the components of an instalment (a
    permutation of penalties, fees, interest, principal), oldest due instalment first.
    ``grace_days_before_late``: an unpaid instalment is late once more than this many days past
    its due date; ``late_fee`` (an amount) is charged once per instalment when it becomes late and
    ``penalty_annual_rate`` (percent) is simple interest, actual/365, on the overdue principal and
    interest of each late instalment for each day late beyond the grace days. ``arrears_buckets``:
    upper bounds in days of the delinquency buckets ((30, 60, 90): 1-30, 31-60, 61-90, over 90).
    ``rounding``: how accrued interest and penalties are rounded to the currency's minor unit.
    """

    currency: str
    allocation_order: tuple[Component, ...] = REPAYABLE
    overpayment: Overpayment = Overpayment.KEEP_AS_CREDIT
    grace_days_before_late: int = 0
    late_fee: Decimal = Decimal(0)
    penalty_annual_rate: Decimal = Decimal(0)
    arrears_buckets: tuple[int, ...] = (30, 60, 90)
    rounding: RoundingMode = RoundingMode.HALF_UP

    def __post_init__(self) -> None:
        currency = currency_of(self.currency).code
        object.__setattr__(self, "currency", currency)
        try:
            order = tuple(Component(c) for c in self.allocation_order)
            object.__setattr__(self, "overpayment", Overpayment(self.overpayment))
            object.__setattr__(self, "rounding", RoundingMode(self.rounding))
        except ValueError as error:
            raise _invalid(str(error), "servicing_terms") from None
        if sorted(order) != sorted(REPAYABLE):
            raise _invalid("must order penalties, fees, interest and principal, each once", "allocation_order")
        object.__setattr__(self, "allocation_order", order)
        grace = self.grace_days_before_late
        if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
            raise _invalid("must be a whole number of days, 0 or more", "grace_days_before_late")
        for name in ("late_fee", "penalty_annual_rate"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise _invalid("must be a Decimal, 0 or more", name)
        if not is_in_minor_unit(self.late_fee, currency):
            raise _invalid("has more decimals than the currency allows", "late_fee")
        if self.penalty_annual_rate > 100:
            raise _invalid("must be at most 100 percent", "penalty_annual_rate")
        bounds = self.arrears_buckets
        if not bounds or any(isinstance(b, bool) or not isinstance(b, int) for b in bounds):
            raise _invalid("must be whole numbers of days", "arrears_buckets")
        if bounds[0] < 1 or any(a >= b for a, b in pairwise(bounds)):
            raise _invalid("must be strictly increasing, from 1 day", "arrears_buckets")


@dataclass(frozen=True, kw_only=True)
class Payment:
    """Money received from the borrower, value-dated. ``sequence`` is the recording order and
    only breaks ties between events of the same value date."""

    sequence: int
    value_date: date
    id: uuid.UUID
    amount: Decimal
    channel: PaymentChannel
    external_reference: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reversal:
    """A payment that did not happen after all (a rejected SEPA direct debit, ``reason`` its
    return code). From its value date on, the replay behaves as if the payment had never been
    made: instalments re-open, penalties run from the original due dates."""

    sequence: int
    value_date: date
    payment_id: uuid.UUID
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class WriteOff:
    """The loan is written off: what is owed on that date (the payoff amount, credit deducted)
    moves to written-off; nothing accrues any more and later payments are recoveries."""

    sequence: int
    value_date: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class Reschedule:
    """The open instalments are replaced by ``installments`` from ``value_date`` (the old ones
    stay in the history as rescheduled); new instalments are numbered after the old ones.
    Arrears of interest, fees and penalties and the interest accrued in the current period are
    carried to the first new instalment. The new principal should be the principal owed that day
    (the use case checks it against ``state_as_of`` when recording); if a payment back-dated or
    reversed later changes what was owed, the first new instalment takes the extra principal or
    the last ones give up the excess, so a history valid when recorded always replays. On a loan
    already closed or written off by then it does nothing."""

    sequence: int
    value_date: date
    installments: tuple[Installment, ...]
    reason: str


Event = Payment | Reversal | WriteOff | Reschedule


class InstallmentStatus(StrEnum):
    """Where an instalment stands as of a date. LATE: unpaid more than the grace days after its
    due date; DUE: due and unpaid (nothing paid yet) but not late; CANCELLED: removed by a
    prepayment that shortened the term; RESCHEDULED: replaced by a new schedule; WRITTEN_OFF."""

    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DUE = "due"
    LATE = "late"
    NOT_DUE = "not_due"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    WRITTEN_OFF = "written_off"


@dataclass(frozen=True, kw_only=True)
class InstallmentState:
    """One instalment as of a date. ``*_due`` is what it asks for now (principal and interest
    after prepayments, late fee and penalty interest in ``penalties_due``); ``outstanding`` is
    due minus paid minus what was written off or moved to a new schedule. ``days_past_due``
    counts from the due date while anything is unpaid (0 otherwise)."""

    number: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    fees_due: Decimal
    penalties_due: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    fees_paid: Decimal
    penalties_paid: Decimal
    written_off: Decimal
    rescheduled: Decimal
    outstanding: Decimal
    days_past_due: int
    status: InstallmentStatus
    # Lateness charges as the replay left them, so that the close of business can add the next
    # day without a replay: the late fee and penalties carried by a reschedule (both in
    # ``penalties_due``), the sum over the days charged of the overdue principal + interest, and
    # the last day charged. ``penalty_interest`` is that sum x rate / 365, rounded once.
    late_fee: Decimal = Decimal(0)
    carried_penalties: Decimal = Decimal(0)
    penalty_interest: Decimal = Decimal(0)
    late_amount_days: Decimal = Decimal(0)
    charged_through: date | None = None
    # The schedule it belongs to: 0 the contract's, else the sequence of the reschedule that drew
    # it up. ``number`` runs on across schedules; the borrower's documents number each schedule
    # from 1, as its contract or amendment does.
    schedule_version: int = 0


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """Part of a payment applied to one component of one instalment on ``applied_on`` (the
    payment date, or the due date when a credit pays an instalment as it falls due).
    ``installment`` is None for a principal prepayment and for a recovery."""

    payment_id: uuid.UUID
    installment: int | None
    component: Component
    amount: Decimal
    applied_on: date


@dataclass(frozen=True, kw_only=True)
class LoanState:
    """A loan as of a date, derived from its schedule and events.

    Every payment not reversed is accounted for: the sum of ``allocations`` plus
    ``credit_balance`` equals ``total_received``. ``outstanding_principal`` includes principal
    not yet due; ``total_due`` is what is unpaid on instalments due on or before ``as_of``,
    ``total_overdue`` on instalments due before it. ``days_past_due`` is the age of the oldest
    unpaid instalment once it is late (0 otherwise); ``closed`` means repaid in full (a credit
    left over is owed back to the borrower).
    """

    as_of: date
    currency: str
    installments: tuple[InstallmentState, ...]
    allocations: tuple[Allocation, ...]
    total_received: Decimal
    credit_balance: Decimal
    prepaid_principal: Decimal
    outstanding_principal: Decimal
    total_due: Decimal
    total_overdue: Decimal
    days_past_due: int
    arrears_bucket: str
    closed: bool
    closed_on: date | None
    written_off_on: date | None
    written_off_principal: Decimal
    written_off_interest: Decimal
    written_off_fees: Decimal
    written_off_penalties: Decimal
    recoveries: Decimal
    rescheduled_on: tuple[date, ...]

    @property
    def written_off_total(self) -> Decimal:
        """Everything written off: principal, interest, fees and penalties."""
        return (
            self.written_off_principal + self.written_off_interest + self.written_off_fees + self.written_off_penalties
        )
