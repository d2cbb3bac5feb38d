"""Recipients and contents used across the notification tests."""

from __future__ import annotations

import uuid
from datetime import date

from domain.money import money
from domain.notifications import (
    Channel,
    DueDateReminder,
    FollowUpContactDue,
    Language,
    MissedPayment,
    MissedPaymentEscalation,
    NoticeContent,
    Preferences,
    Recipient,
    TrainingSessionStarting,
)

BORROWER_ID = uuid.UUID("0190f1a2-0000-7000-8000-000000000001")
LOAN_ID = uuid.UUID("0190f1a2-0000-7000-8000-0000000000aa")


def borrower(
    *,
    language: Language = Language.FR,
    channels: frozenset[Channel] = frozenset(Channel),
    opted_out: bool = False,
    email: str | None = "awa.diallo@example.org",
    phone: str | None = "+33612345678",
) -> Recipient:
    return Recipient(
        id=BORROWER_ID,
        preferences=Preferences(language=language, channels=channels, opted_out=opted_out),
        email=email,
        phone=phone,
    )


def reminder(amount: str = "1234.56") -> DueDateReminder:
    return DueDateReminder(
        loan_reference="MC-2026-0042", installment_number=3, due_date=date(2026, 2, 15), amount_due=money(amount, "EUR")
    )


def every_content() -> list[NoticeContent]:
    amount = money("1234.56", "EUR")
    return [
        reminder(),
        MissedPayment(
            loan_reference="MC-2026-0042",
            installment_number=3,
            due_date=date(2026, 2, 1),
            amount_due=amount,
            days_late=7,
        ),
        MissedPaymentEscalation(
            loan_reference="MC-2026-0042",
            installment_number=3,
            due_date=date(2026, 2, 1),
            amount_due=amount,
            days_late=30,
        ),
        FollowUpContactDue(case_reference="DOS-0815", contact_date=date(2026, 6, 1), months_after_start=6),
        TrainingSessionStarting(programme_name="Créer son entreprise", starts_on=date(2026, 3, 2), location="Salle 2"),
    ]
