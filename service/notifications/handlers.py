"""Reminders and notices (issue 6, item 2): planned into the notice outbox, then delivered from it.

Planning (``plan_loan_notices``, daily): for each unpaid instalment of an active loan, the
due-date reminder from 3 days before the due date, and the missed-payment notice of the step
reached (1, 7 or 30 days late); at 30 days the loan officer is also told (an escalation by
e-mail, when the officer has an address; otherwise the report counts it as not escalated). The
notices are built by ``domain.notifications.notices_for``, so their ids are deterministic, and
written a page of instalments per transaction with ``ON CONFLICT DO NOTHING``: planning the same
day twice writes nothing new. ``plan_follow_up_notices`` does the same for the follow-up contacts
an officer has coming due within a week, and ``plan_training_notices`` for the people enrolled in
a training session starting within two days.

Delivery (``deliver_due_notices``, every minute and after planning): each lane repeatedly locks
the oldest due pending notice that no other worker holds (``FOR UPDATE SKIP LOCKED``), renders
it for its recipient as they are now (language, channels, opt-out, address), sends it, and records
the outcome (sent; pending again after the retry delay; failed; skipped) in the transaction that
holds the lock, committed before the lane takes the next notice. The notice outbox, not Redis, is
the source of truth: an arq job lost with Redis is only a missed trigger; the next run (cron every
minute) finds the same pending rows.

What this guarantees when a worker dies (killed, or an exception escapes a channel):
- no notice is lost: one not yet recorded is still pending in the table, and its lock went with
  the dead connection, so the next run delivers it;
- a notice recorded as sent is never sent again (status ``sent`` is final, and the lock keeps
  two workers off the same row);
- the only notices that can reach a channel twice are those in flight at the moment of death:
  handed to the channel but not yet committed as sent; at most one per lane (``lanes``), so at
  most one with ``lanes=1``. They carry the notice id as Message-ID / Idempotency-Key, so a
  receiver that deduplicates sees them once.

During the quiet window nothing is sent: due notices are moved to the window's end in one
statement. A failed send is retried with the ``RetryPolicy`` backoff, then marked failed, which
``failed_notices`` lists for officers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import structlog

from domain.money import money
from domain.notifications import (
    Channel,
    Delivery,
    DeliveryFailed,
    DueDateReminder,
    FollowUpContactDue,
    MissedPayment,
    MissedPaymentEscalation,
    QuietWindow,
    RetryPolicy,
    TrainingSessionStarting,
    due_date_reminder_is_due,
    due_date_reminder_key,
    escalates_to_officer,
    follow_up_contact_key,
    message_for,
    missed_payment_escalation_key,
    missed_payment_key,
    missed_payment_step,
    notices_for,
    training_session_key,
)
from domain.notifications.policies import DAYS_BEFORE_DUE_DATE, MISSED_PAYMENT_STEPS
from service.notifications.ports import (
    DueNotice,
    FailedNotice,
    InstallmentToNotify,
    NoticeOutbox,
    NoticePlanning,
    NotificationChannel,
    PlannedNotice,
    RecipientKind,
)

log = structlog.get_logger()

PAGE = 5_000
# Instalments later than this are not read again: their last step (30 days) is planned by then,
# unless planning stopped for over two weeks, and a step skipped entirely is not sent late.
LOOKBACK_DAYS = max(MISSED_PAYMENT_STEPS) + 14


def loan_reference(loan_id: uuid.UUID) -> str:
    """The short loan reference a borrower reads in a message (the start of the loan id)."""
    return loan_id.hex[:8].upper()


@dataclass(frozen=True)
class PlanningReport:
    today: date
    installments: int
    notices_written: int
    escalations_without_officer_email: int


def notices_for_installment(today: date, row: InstallmentToNotify) -> tuple[list[PlannedNotice], bool]:
    """The notices an instalment calls for ``today``, and whether an escalation found no officer address."""
    planned: list[PlannedNotice] = []
    amount = money(row.outstanding, row.currency)
    reference = loan_reference(row.loan_id)
    if due_date_reminder_is_due(today, row.due_date):
        if row.borrower is not None:
            content = DueDateReminder(
                loan_reference=reference,
                installment_number=row.number_in_schedule,
                due_date=row.due_date,
                amount_due=amount,
            )
            key = due_date_reminder_key(row.loan_id, row.installment_number, row.due_date)
            planned += [
                PlannedNotice(recipient_kind=RecipientKind.BORROWER, notice=n)
                for n in notices_for(row.borrower, event_key=key, content=content)
            ]
        return planned, False
    step = missed_payment_step(today, row.due_date)
    if step is None:
        return planned, False
    if row.borrower is not None:
        missed = MissedPayment(
            loan_reference=reference,
            installment_number=row.number_in_schedule,
            due_date=row.due_date,
            amount_due=amount,
            days_late=step,
        )
        key = missed_payment_key(row.loan_id, row.installment_number, row.due_date, step)
        planned += [
            PlannedNotice(recipient_kind=RecipientKind.BORROWER, notice=n)
            for n in notices_for(row.borrower, event_key=key, content=missed)
        ]
    if not escalates_to_officer(step):
        return planned, False
    if row.officer is None:
        return planned, True
    escalation = MissedPaymentEscalation(
        loan_reference=reference,
        installment_number=row.number_in_schedule,
        due_date=row.due_date,
        amount_due=amount,
        days_late=step,
    )
    key = missed_payment_escalation_key(row.loan_id, row.installment_number, row.due_date)
    to_officer = notices_for(row.officer, event_key=key, content=escalation)
    planned += [PlannedNotice(recipient_kind=RecipientKind.STAFF, notice=n) for n in to_officer]
    return planned, not to_officer


async def plan_loan_notices(today: date, *, planning: NoticePlanning, page: int = PAGE) -> PlanningReport:
    """Write today's due-date reminders and missed-payment notices (idempotent, a page per transaction)."""
    after: tuple[uuid.UUID, int] | None = None
    installments = written = unescalated = 0
    while True:
        rows = await planning.installments(
            due_from=today - timedelta(days=LOOKBACK_DAYS),
            due_to=today + timedelta(days=DAYS_BEFORE_DUE_DATE),
            after=after,
            limit=page,
        )
        if not rows:
            break
        planned: list[PlannedNotice] = []
        for row in rows:
            notices, no_officer = notices_for_installment(today, row)
            planned += notices
            unescalated += no_officer
        written += await planning.add(planned) if planned else 0
        installments += len(rows)
        after = (rows[-1].loan_id, rows[-1].installment_number)
    if unescalated:
        log.warning("escalations_without_officer_email", count=unescalated, today=today.isoformat())
    log.info("loan_notices_planned", today=today.isoformat(), installments=installments, written=written)
    return PlanningReport(today, installments, written, unescalated)


FOLLOW_UP_DAYS_BEFORE = 7


async def plan_follow_up_notices(
    today: date, *, planning: NoticePlanning, days_before: int = FOLLOW_UP_DAYS_BEFORE
) -> int:
    """Tell each officer of the follow-up contacts they have coming due in the next ``days_before``
    days (once per contact and date: a contact moved to another day is announced again). Contacts
    held by a volunteer mentor have no address here and are not announced."""
    contacts = await planning.follow_up_contacts(due_from=today, due_to=today + timedelta(days=days_before))
    planned = [
        PlannedNotice(recipient_kind=RecipientKind.STAFF, notice=notice)
        for contact in contacts
        for notice in notices_for(
            contact.officer,
            event_key=follow_up_contact_key(contact.contact_id, contact.due_on),
            content=FollowUpContactDue(
                case_reference=loan_reference(contact.loan_id),
                contact_date=contact.due_on,
                months_after_start=contact.months_after_start,
            ),
        )
    ]
    written = await planning.add(planned) if planned else 0
    log.info("follow_up_notices_planned", today=today.isoformat(), contacts=len(contacts), written=written)
    return written


TRAINING_DAYS_BEFORE = 2


async def plan_training_notices(
    today: date, *, planning: NoticePlanning, days_before: int = TRAINING_DAYS_BEFORE
) -> int:
    """Tell each person enrolled in a training session starting within ``days_before`` days (once
    per session and start date: a session moved to another day is announced again)."""
    trainees = await planning.trainees(starts_from=today, starts_to=today + timedelta(days=days_before))
    planned = [
        PlannedNotice(recipient_kind=RecipientKind.APPLICANT, notice=notice)
        for trainee in trainees
        for notice in notices_for(
            trainee.applicant,
            event_key=training_session_key(trainee.session_id, trainee.starts_on),
            content=TrainingSessionStarting(
                programme_name=trainee.programme_name, starts_on=trainee.starts_on, location=trainee.location
            ),
        )
    ]
    written = await planning.add(planned) if planned else 0
    log.info("training_notices_planned", today=today.isoformat(), trainees=len(trainees), written=written)
    return written


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped


async def deliver_one(
    due: DueNotice,
    *,
    channels: Mapping[Channel, NotificationChannel],
    now: Callable[[], datetime],
    retry: RetryPolicy,
    quiet: QuietWindow,
) -> Delivery:
    """Send one due notice and return its new delivery state. Only ``DeliveryFailed`` is handled:
    anything else escapes, and the notice stays as it was (pending) for the next run."""
    if due.recipient is None:
        return due.delivery.skipped("recipient.unknown")
    message = message_for(due.notice, due.recipient)
    if message is None:
        reason = "recipient.opted_out" if due.recipient.preferences.opted_out else "recipient.unreachable"
        return due.delivery.skipped(reason)
    channel = channels.get(due.notice.channel)
    try:
        if channel is None:
            raise DeliveryFailed(f"{due.notice.channel.value}.not_configured", retryable=True)
        await channel.send(message)
    except DeliveryFailed as failure:
        return due.delivery.failed_attempt(
            now(), reason=failure.reason, retryable=failure.retryable, policy=retry, quiet=quiet
        )
    return due.delivery.sent(now())


async def deliver_due_notices(
    *,
    outbox: NoticeOutbox,
    channels: Mapping[Channel, NotificationChannel],
    now: Callable[[], datetime],
    quiet: QuietWindow,
    retry: RetryPolicy,
    lanes: int = 4,
    limit: int | None = None,
) -> DeliveryReport:
    """Deliver due pending notices until none is left (or ``limit`` were handled), ``lanes`` at a time."""
    if lanes < 1:
        raise ValueError("lanes must be at least 1")
    report = DeliveryReport()
    started = now()
    if quiet.is_quiet(started):
        report.deferred = await outbox.defer_due(quiet.next_allowed_send_time(started))
        log.info("notices_deferred", count=report.deferred)
        return report
    taken = 0

    async def lane() -> None:
        nonlocal taken
        while limit is None or taken < limit:
            async with outbox.claim_next(now()) as claim:
                if claim is None:
                    return
                taken += 1
                delivery = await deliver_one(claim.due, channels=channels, now=now, retry=retry, quiet=quiet)
                await claim.record(delivery)
            status = delivery.status.value
            if status == "pending":
                report.retried += 1
            else:
                setattr(report, status, getattr(report, status) + 1)
            if delivery.last_error and status != "sent":
                report.reasons[delivery.last_error] = report.reasons.get(delivery.last_error, 0) + 1

    async with asyncio.TaskGroup() as group:
        for _ in range(lanes):
            group.create_task(lane())
    log.info(
        "notices_delivered",
        sent=report.sent,
        retried=report.retried,
        failed=report.failed,
        skipped=report.skipped,
        reasons=report.reasons,
    )
    return report


async def failed_notices(
    *, outbox: NoticeOutbox, after: uuid.UUID | None = None, limit: int = 100
) -> Sequence[FailedNotice]:
    """The notices given up on (every retry failed, or a final refusal), for officers to follow up."""
    if not 1 <= limit <= 1000:
        raise ValueError("limit must be between 1 and 1000")
    return await outbox.failed(after=after, limit=limit)
