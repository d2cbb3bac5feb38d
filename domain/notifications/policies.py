"""When the reminders of issue 6 are due: some days before a due date, then 1, 7 and 30 days after
a missed one, the last step also handed over to the loan officer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

DAYS_BEFORE_DUE_DATE = 3
MISSED_PAYMENT_STEPS = (1, 7, 30)
ESCALATION_DAYS = 30


def due_date_reminder_is_due(today: date, due_date: date, *, days_before: int = DAYS_BEFORE_DUE_DATE) -> bool:
    """Whether the reminder of an instalment is due: from ``days_before`` days ahead to the due date.

    A window rather than a single day, so that a job that did not run one day still reminds; the
    notice's deterministic id keeps it to one reminder.
    """
    return 0 <= (due_date - today).days <= days_before


def missed_payment_step(today: date, due_date: date, *, steps: Sequence[int] = MISSED_PAYMENT_STEPS) -> int | None:
    """The latest missed-payment step reached by ``today`` for an unpaid instalment, or None.

    A job that missed a day still sends the step it is in (day 8 sends the 7-day notice); a step
    skipped entirely is not sent late, since the next one says more.
    """
    days_late = (today - due_date).days
    reached = [step for step in steps if step <= days_late]
    return max(reached) if reached else None


def escalates_to_officer(step: int, *, escalation_days: int = ESCALATION_DAYS) -> bool:
    """Whether the missed-payment step also notifies the borrower's loan officer."""
    return step >= escalation_days
