"""The loan event is a tagged union: each kind holds exactly its facts, ``kind`` is its tag."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.loans.events import (
    EventFacts,
    LoanEventKind,
    LoanWrittenOff,
    PaymentRecorded,
    PaymentReversed,
    Rescheduled,
    facts_of,
)
from domain.servicing import Payment, PaymentChannel, Reversal

RECORDED: dict[str, Any] = {
    "id": uuid.UUID(int=1),
    "loan_id": uuid.UUID(int=2),
    "sequence": 1,
    "value_date": date(2026, 3, 1),
    "recorded_by": uuid.UUID(int=3),
}


def test_each_kind_carries_its_tag_and_its_facts() -> None:
    payment = PaymentRecorded(**RECORDED, amount=Decimal("600.00"), channel=PaymentChannel.TRANSFER)
    reversal = PaymentReversed(**RECORDED, reverses_id=payment.id, reason="AM04")
    assert [e.kind for e in (payment, reversal, LoanWrittenOff(**RECORDED, reason="gone"))] == [
        LoanEventKind.PAYMENT,
        LoanEventKind.REVERSAL,
        LoanEventKind.WRITE_OFF,
    ]
    assert facts_of(payment) == EventFacts(amount=Decimal("600.00"), channel=PaymentChannel.TRANSFER)
    assert facts_of(reversal) == EventFacts(reverses_id=payment.id, reason="AM04")
    assert isinstance(payment.as_servicing_event(), Payment)
    assert reversal.as_servicing_event() == Reversal(
        sequence=1, value_date=date(2026, 3, 1), payment_id=payment.id, reason="AM04"
    )


def test_a_kind_cannot_be_built_without_its_facts() -> None:
    with pytest.raises(TypeError):
        PaymentRecorded(**RECORDED, channel=PaymentChannel.CASH)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        PaymentReversed(**RECORDED, reason="no payment named")  # type: ignore[call-arg]


def test_a_reschedule_keeps_its_amendments_terms() -> None:
    rescheduled = Rescheduled(**RECORDED, reason="harvest", installments=(), apr=Decimal("9.10"))
    assert rescheduled.kind is LoanEventKind.RESCHEDULE
    assert facts_of(rescheduled) == EventFacts(reason="harvest", apr=Decimal("9.10"))
