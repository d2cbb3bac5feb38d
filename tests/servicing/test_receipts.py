"""A servicing handler returns a typed receipt; stored with the Idempotency-Key as JSON, it reads
back the same, receipts stored before a field existed included."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec

from service.servicing.ports import EventReceipt

# A receipt as stored before ``apr`` was given (its JSON, as the idempotency table keeps it).
STORED_BEFORE_APR: dict[str, Any] = {
    "id": str(uuid.UUID(int=1)),
    "loan_id": str(uuid.UUID(int=2)),
    "sequence": 3,
    "kind": "payment",
    "value_date": "2026-03-01",
    "amount": "600.00",
    "currency": "EUR",
    "channel": "transfer",
    "external_reference": None,
    "reverses_id": None,
    "reason": None,
    "ledger_transaction_id": str(uuid.UUID(int=4)),
    "allocations": [{"installment": 1, "component": "interest", "amount": "62.08", "applied_on": "2026-02-15"}],
    "loan": {
        "status": "active",
        "as_of": "2026-03-01",
        "outstanding_principal": "9437.92",
        "credit_balance": "0.00",
        "total_due": "0.00",
        "days_past_due": 0,
        "arrears_bucket": "current",
        "closed_on": None,
        "written_off_on": None,
    },
}


def test_a_stored_receipt_reads_back_typed_and_writes_the_same_json() -> None:
    receipt = msgspec.convert(STORED_BEFORE_APR, EventReceipt)
    assert receipt.amount == Decimal("600.00") and receipt.apr is None
    assert receipt.allocations[0].applied_on == date(2026, 2, 15)
    assert msgspec.to_builtins(receipt) == {**STORED_BEFORE_APR, "apr": None}
