"""A notice's content is kept in the outbox's ``payload`` (JSONB) through the database codec: the
same JSON as the hand-written ``to_payload`` wrote (kept in ``tests.kernel.jsonb_legacy``), and
the rows it wrote read back the same."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.money import money
from domain.notifications import (
    DueDateReminder,
    FollowUpContactDue,
    MissedPayment,
    MissedPaymentEscalation,
    NoticeContent,
    TrainingSessionStarting,
)
from service.notifications.read import _content, _payload
from tests.domain.notifications.builders import every_content, reminder
from tests.kernel.jsonb_legacy import notice_from_payload as from_payload
from tests.kernel.jsonb_legacy import notice_to_payload as to_payload
from tests.kernel.test_jsonb_codec import stored

CONTENTS: list[NoticeContent] = [
    DueDateReminder(
        loan_reference="L-2025-0042", installment_number=3, due_date=date(2025, 4, 5), amount_due=money("95.70", "EUR")
    ),
    MissedPayment(
        loan_reference="L-7",
        installment_number=1,
        due_date=date(2025, 1, 31),
        amount_due=money("1500", "XOF"),
        days_late=7,
    ),
    MissedPaymentEscalation(
        loan_reference="L-7",
        installment_number=1,
        due_date=date(2025, 1, 31),
        amount_due=money("0.00", "EUR"),
        days_late=30,
    ),
    FollowUpContactDue(case_reference="F-1", contact_date=date(2025, 9, 1), months_after_start=6),
    FollowUpContactDue(case_reference="F-2", contact_date=date(2025, 9, 1)),
    TrainingSessionStarting(programme_name="Gérer sa trésorerie", starts_on=date(2025, 3, 3), location="Lyon"),
    TrainingSessionStarting(programme_name="Compter", starts_on=date(2025, 3, 3)),
]


@pytest.mark.parametrize("content", CONTENTS, ids=lambda c: c.kind.value)
def test_a_notice_payload_is_stored_as_before_and_read_back(content: NoticeContent) -> None:
    payload = _payload(content)
    assert stored(payload) == stored(to_payload(content))
    assert _content(payload) == content


# Payloads as the outbox rows have them (written by ``to_payload``).
ROWS: list[dict[str, Any]] = [
    {
        "kind": "due_date_reminder",
        "loan_reference": "L-2025-0042",
        "installment_number": 3,
        "due_date": "2025-04-05",
        "amount_due": {"amount": "95.70", "currency": "EUR"},
    },
    {
        "kind": "missed_payment",
        "loan_reference": "L-7",
        "installment_number": 1,
        "due_date": "2025-01-31",
        "amount_due": {"amount": "1500", "currency": "XOF"},
        "days_late": 1,
    },
    {
        "kind": "follow_up_contact_due",
        "case_reference": "F-2",
        "contact_date": "2025-09-01",
        "months_after_start": None,
    },
    {"kind": "training_session_starting", "programme_name": "Compter", "starts_on": "2025-03-03", "location": None},
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["kind"])
def test_payloads_written_before_read_as_they_did(row: dict[str, Any]) -> None:
    content = _content(row)
    assert content == from_payload(row)
    assert stored(_payload(content)) == stored(row)


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "birthday"},
        {"kind": "due_date_reminder", "loan_reference": "L-1"},
        {**ROWS[0], "due_date": "yesterday"},
        {**ROWS[0], "amount_due": {"amount": "lots", "currency": "EUR"}},
    ],
)
def test_a_payload_this_version_cannot_read_is_a_value_error(payload: dict[str, Any]) -> None:
    """Delivery skips such a notice on ``ValueError`` (and KeyError, TypeError) instead of stopping."""
    with pytest.raises((KeyError, TypeError, ValueError)):
        _content(payload)


# Moved from the domain's tests when the payload went to the database codec.
@pytest.mark.parametrize("content", every_content(), ids=lambda c: c.kind.value)
def test_the_content_survives_the_outbox_payload(content: NoticeContent) -> None:
    payload = _payload(content)
    assert _content(payload) == content
    assert "awa" not in repr(payload)


def test_the_payload_keeps_money_exact_and_as_strings() -> None:
    content = MissedPayment(
        loan_reference="MC-1",
        installment_number=1,
        due_date=date(2026, 1, 5),
        amount_due=money("0.10", "EUR"),
        days_late=1,
    )
    payload = _payload(content)
    assert payload["amount_due"] == {"amount": "0.10", "currency": "EUR"}
    assert payload["due_date"] == "2026-01-05"
    assert payload["kind"] == "missed_payment"


def test_an_incomplete_or_unknown_payload_is_refused() -> None:
    payload = _payload(reminder())
    del payload["due_date"]
    with pytest.raises(ValueError):
        _content(payload)
    with pytest.raises(ValueError):
        _content({"kind": "birthday"})
