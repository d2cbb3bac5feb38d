"""A reschedule's new schedule is kept in the event row's ``details`` (JSONB) through the database
codec: the same JSON as the hand-written function it replaced (``tests.kernel.jsonb_legacy``), and
the rows that function wrote read back as the same event."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.loans.events import Rescheduled
from domain.schedules import Installment
from service.servicing.repositories.events import _details, _event
from tests.kernel import jsonb_legacy as legacy
from tests.kernel.test_jsonb_codec import stored

RECORDED: dict[str, Any] = {
    "id": uuid.UUID(int=1),
    "loan_id": uuid.UUID(int=2),
    "sequence": 4,
    "value_date": date(2025, 6, 1),
    "recorded_by": uuid.UUID(int=3),
    "ledger_transaction_id": None,
    "recorded_at": datetime(2025, 6, 1, 10, 0, tzinfo=UTC),
}


def reschedule(rows: list[tuple[str, ...]], **terms: Decimal) -> Rescheduled:
    installments = tuple(
        Installment(n, date(2025, 6 + n, 1), *(Decimal(v) for v in r)) for n, r in enumerate(rows, start=1)
    )
    return Rescheduled(**RECORDED, reason="perte d'activité", installments=installments, **terms)


EVENTS = [
    reschedule(
        [("500.00", "6.20", "0.00", "506.20", "500.00"), ("500.00", "3.10", "0", "503.10", "0.00")],
        annual_interest_rate=Decimal("7.45"),
        apr=Decimal("7.7102"),
    ),
    reschedule([("250000", "1552", "0", "251552", "0")]),  # XOF, terms not kept
]


@pytest.mark.parametrize("event", EVENTS, ids=["EUR", "XOF"])
def test_a_reschedule_is_stored_as_before_and_read_back(event: Rescheduled) -> None:
    details = _details(event)
    assert stored(details["installments"]) == stored([legacy.installment_json(i) for i in event.installments])
    row = {**RECORDED, "kind": "reschedule", "reason": event.reason, "details": details}
    assert _event(row, "EUR") == event


# ``details`` of a reschedule row as the old code wrote it, and of one recorded before the
# amendment's terms were kept.
DETAILS_ROWS: list[dict[str, Any]] = [
    {
        "installments": [
            {
                "number": 1,
                "due_date": "2025-07-01",
                "principal": "500.00",
                "interest": "6.20",
                "fees": "0.00",
                "total": "506.20",
                "principal_remaining": "500.00",
            },
            {
                "number": 2,
                "due_date": "2025-08-01",
                "principal": "500.00",
                "interest": "3.10",
                "fees": "0.00",
                "total": "503.10",
                "principal_remaining": "0.00",
            },
        ],
        "annual_interest_rate": "7.45",
        "apr": "7.7102",
    },
    {
        "installments": [
            {
                "number": 1,
                "due_date": "2025-07-01",
                "principal": "250000",
                "interest": "1552",
                "fees": "0",
                "total": "251552",
                "principal_remaining": "0",
            }
        ]
    },
]


@pytest.mark.parametrize("details", DETAILS_ROWS, ids=["with terms", "before terms"])
def test_reschedule_rows_written_before_read_as_they_did(details: dict[str, Any]) -> None:
    event = _event({**RECORDED, "kind": "reschedule", "reason": "r", "details": details}, "EUR")
    assert isinstance(event, Rescheduled)
    assert event.installments == tuple(legacy.installment_from_json(i) for i in details["installments"])
    assert [str(i.fees) for i in event.installments] == [i["fees"] for i in details["installments"]]
    assert stored(_details(event)) == stored(details)
