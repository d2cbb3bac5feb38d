"""What happened to a loan after its disbursement, as recorded: who, when, why, and the money.

A loan event is a tagged union (``LoanEvent``): each kind holds exactly the facts it has (a
payment its amount and channel, a reversal the payment it reverses and why, ...), ``kind`` is its
tag. The servicing replay only needs the money facts (``as_servicing_event``); the record keeps
the audit trail (recorded by, reason, the ledger transaction it posted).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, NamedTuple

from domain.schedules import Installment
from domain.servicing import Payment, PaymentChannel, Reschedule, Reversal, WriteOff

__all__ = [
    "EventFacts",
    "LoanEvent",
    "LoanEventKind",
    "LoanWrittenOff",
    "PaymentRecorded",
    "PaymentReversed",
    "Rescheduled",
    "facts_of",
]


class LoanEventKind(StrEnum):
    PAYMENT = "payment"
    REVERSAL = "reversal"
    WRITE_OFF = "write_off"
    RESCHEDULE = "reschedule"


@dataclass(frozen=True, kw_only=True)
class _Recorded:
    """What every loan event records: the loan, its place in the loan's history (``sequence``, in
    recording order), its value date, who recorded it and when, the ledger transaction it posted."""

    kind: ClassVar[LoanEventKind]
    id: uuid.UUID
    loan_id: uuid.UUID
    sequence: int
    value_date: date
    recorded_by: uuid.UUID
    ledger_transaction_id: uuid.UUID | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentRecorded(_Recorded):
    """Money received from the borrower (SEPA's remittance information as ``external_reference``)."""

    kind: ClassVar[LoanEventKind] = LoanEventKind.PAYMENT
    amount: Decimal
    channel: PaymentChannel
    external_reference: str | None = None

    def as_servicing_event(self) -> Payment:
        """The fact the replay works on."""
        return Payment(
            sequence=self.sequence,
            value_date=self.value_date,
            id=self.id,
            amount=self.amount,
            channel=self.channel,
            external_reference=self.external_reference,
        )


@dataclass(frozen=True, kw_only=True)
class PaymentReversed(_Recorded):
    """A payment that did not happen after all (a rejected direct debit), and why."""

    kind: ClassVar[LoanEventKind] = LoanEventKind.REVERSAL
    reverses_id: uuid.UUID
    reason: str

    def as_servicing_event(self) -> Reversal:
        return Reversal(
            sequence=self.sequence, value_date=self.value_date, payment_id=self.reverses_id, reason=self.reason
        )


@dataclass(frozen=True, kw_only=True)
class LoanWrittenOff(_Recorded):
    """What is owed on the value date written off; later payments are recoveries."""

    kind: ClassVar[LoanEventKind] = LoanEventKind.WRITE_OFF
    reason: str

    def as_servicing_event(self) -> WriteOff:
        return WriteOff(sequence=self.sequence, value_date=self.value_date, reason=self.reason)


@dataclass(frozen=True, kw_only=True)
class Rescheduled(_Recorded):
    """A new schedule from the value date, with the amendment's own terms: its nominal rate and its
    TAEG, which the borrower's documents show once it is the live schedule (None for amendments
    recorded before their terms were kept)."""

    kind: ClassVar[LoanEventKind] = LoanEventKind.RESCHEDULE
    reason: str
    installments: tuple[Installment, ...]
    annual_interest_rate: Decimal | None = None
    apr: Decimal | None = None

    def as_servicing_event(self) -> Reschedule:
        return Reschedule(
            sequence=self.sequence, value_date=self.value_date, installments=self.installments, reason=self.reason
        )


LoanEvent = PaymentRecorded | PaymentReversed | LoanWrittenOff | Rescheduled


class EventFacts(NamedTuple):
    """Every kind's facts side by side, None where a kind has none: the shape of a record row, a
    receipt or a statement line, which list events of every kind in one table."""

    amount: Decimal | None = None
    channel: PaymentChannel | None = None
    external_reference: str | None = None
    reverses_id: uuid.UUID | None = None
    reason: str | None = None
    annual_interest_rate: Decimal | None = None
    apr: Decimal | None = None


def facts_of(event: LoanEvent) -> EventFacts:
    """``event``'s facts in the flat shape of ``EventFacts``."""
    match event:
        case PaymentRecorded():
            return EventFacts(event.amount, event.channel, event.external_reference)
        case PaymentReversed():
            return EventFacts(reverses_id=event.reverses_id, reason=event.reason)
        case LoanWrittenOff():
            return EventFacts(reason=event.reason)
        case Rescheduled():
            return EventFacts(reason=event.reason, annual_interest_rate=event.annual_interest_rate, apr=event.apr)
