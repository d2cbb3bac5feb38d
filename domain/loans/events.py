"""What happened to a loan after its disbursement, as recorded: who, when, why, and the money.

The servicing replay only needs the money facts (``as_servicing_event``); the record keeps the
audit trail (recorded by, reason, the ledger transaction it posted).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.schedules import Installment
from domain.servicing import Event, Payment, PaymentChannel, Reschedule, Reversal, WriteOff

__all__ = ["LoanEvent", "LoanEventKind"]


class LoanEventKind(StrEnum):
    PAYMENT = "payment"
    REVERSAL = "reversal"
    WRITE_OFF = "write_off"
    RESCHEDULE = "reschedule"


@dataclass(frozen=True, kw_only=True)
class LoanEvent:
    id: uuid.UUID
    loan_id: uuid.UUID
    sequence: int
    kind: LoanEventKind
    value_date: date
    recorded_by: uuid.UUID
    amount: Decimal | None = None
    channel: PaymentChannel | None = None
    external_reference: str | None = None
    reverses_id: uuid.UUID | None = None
    reason: str | None = None
    installments: tuple[Installment, ...] = ()  # the new schedule of a reschedule
    # The amendment's own terms (a reschedule's): its nominal rate and its TAEG, which the
    # borrower's documents show instead of the contract's once it is the live schedule.
    annual_interest_rate: Decimal | None = None
    apr: Decimal | None = None
    ledger_transaction_id: uuid.UUID | None = None
    recorded_at: datetime | None = None

    def as_servicing_event(self) -> Event:
        """The fact the replay works on."""
        if self.kind is LoanEventKind.PAYMENT:
            assert self.amount is not None and self.channel is not None
            return Payment(
                sequence=self.sequence,
                value_date=self.value_date,
                id=self.id,
                amount=self.amount,
                channel=self.channel,
                external_reference=self.external_reference,
            )
        if self.kind is LoanEventKind.REVERSAL:
            assert self.reverses_id is not None
            return Reversal(
                sequence=self.sequence,
                value_date=self.value_date,
                payment_id=self.reverses_id,
                reason=self.reason or "",
            )
        if self.kind is LoanEventKind.WRITE_OFF:
            return WriteOff(sequence=self.sequence, value_date=self.value_date, reason=self.reason or "")
        return Reschedule(
            sequence=self.sequence, value_date=self.value_date, installments=self.installments, reason=self.reason or ""
        )
