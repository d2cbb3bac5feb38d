"""What each kind of notice says, as data: the few facts its template needs and nothing else.

The content travels in the outbox as JSON written by the database codec (notifications' read
side): amounts keep their exact decimal digits and dates their ISO form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import ClassVar

from domain.money import Money


class NoticeKind(StrEnum):
    """The notices of issue 6: reminders around due dates, follow-up contacts and training sessions."""

    DUE_DATE_REMINDER = "due_date_reminder"
    MISSED_PAYMENT = "missed_payment"
    MISSED_PAYMENT_ESCALATION = "missed_payment_escalation"
    FOLLOW_UP_CONTACT_DUE = "follow_up_contact_due"
    TRAINING_SESSION_STARTING = "training_session_starting"


@dataclass(frozen=True, kw_only=True)
class DueDateReminder:
    """To the borrower, some days before an instalment falls due."""

    kind: ClassVar[NoticeKind] = NoticeKind.DUE_DATE_REMINDER
    loan_reference: str
    installment_number: int
    due_date: date
    amount_due: Money


@dataclass(frozen=True, kw_only=True)
class MissedPayment:
    """To the borrower, 1, 7 and 30 days after an instalment was due and not fully paid."""

    kind: ClassVar[NoticeKind] = NoticeKind.MISSED_PAYMENT
    loan_reference: str
    installment_number: int
    due_date: date
    amount_due: Money
    days_late: int


@dataclass(frozen=True, kw_only=True)
class MissedPaymentEscalation:
    """To the loan officer when an instalment is still unpaid 30 days after its due date."""

    kind: ClassVar[NoticeKind] = NoticeKind.MISSED_PAYMENT_ESCALATION
    loan_reference: str
    installment_number: int
    due_date: date
    amount_due: Money
    days_late: int


@dataclass(frozen=True, kw_only=True)
class FollowUpContactDue:
    """To the officer or volunteer mentor assigned a planned post-creation contact."""

    kind: ClassVar[NoticeKind] = NoticeKind.FOLLOW_UP_CONTACT_DUE
    case_reference: str
    contact_date: date
    months_after_start: int | None = None


@dataclass(frozen=True, kw_only=True)
class TrainingSessionStarting:
    """To an enrolled applicant, before the first day of their training session."""

    kind: ClassVar[NoticeKind] = NoticeKind.TRAINING_SESSION_STARTING
    programme_name: str
    starts_on: date
    location: str | None = None


NoticeContent = DueDateReminder | MissedPayment | MissedPaymentEscalation | FollowUpContactDue | TrainingSessionStarting


def due_date_reminder_key(loan_id: uuid.UUID, installment_number: int, due_date: date) -> str:
    """The event of reminding an instalment; a rescheduled due date is a new event, reminded again."""
    return f"loan:{loan_id}:installment:{installment_number}:due:{due_date.isoformat()}:reminder"


def missed_payment_key(loan_id: uuid.UUID, installment_number: int, due_date: date, days_late: int) -> str:
    """The event of an instalment being ``days_late`` days unpaid (one per step: 1, 7, 30)."""
    return f"loan:{loan_id}:installment:{installment_number}:due:{due_date.isoformat()}:missed:{days_late}"


def missed_payment_escalation_key(loan_id: uuid.UUID, installment_number: int, due_date: date) -> str:
    """The event of handing an unpaid instalment over to the officer."""
    return f"loan:{loan_id}:installment:{installment_number}:due:{due_date.isoformat()}:escalated"


def follow_up_contact_key(contact_id: uuid.UUID, contact_date: date) -> str:
    """The event of a planned contact coming due; a contact moved to another date is announced again."""
    return f"follow_up_contact:{contact_id}:due:{contact_date.isoformat()}"


def training_session_key(session_id: uuid.UUID, starts_on: date) -> str:
    """The event of a training session about to start; a session moved to another day is announced again."""
    return f"training_session:{session_id}:starts:{starts_on.isoformat()}"
