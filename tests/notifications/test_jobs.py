"""Reminders and notices through the notice outbox: planned once, delivered to a real SMTP server
and a local HTTP SMS gateway, deferred at night, retried then failed, and neither lost nor sent
twice (but for the one in flight) when a delivery run dies halfway and Redis is emptied."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.ids import new_id
from domain.notifications import (
    Channel,
    Message,
    QuietWindow,
    RetryPolicy,
    due_date_reminder_key,
    missed_payment_escalation_key,
    missed_payment_key,
    notice_id,
)
from service.identity.handlers import create_borrower
from service.identity.tables import StaffUserRow
from service.notifications.channels import HttpSmsChannel, SmsGatewayConfig, SmtpConfig, SmtpEmailChannel, SmtpSecurity
from service.notifications.handlers import deliver_due_notices, failed_notices, plan_loan_notices
from service.notifications.ports import NotificationChannel
from service.notifications.read import SqlNoticeOutbox, SqlNoticePlanning
from service.wiring import SqlUnitOfWorkFactory
from service.worker import build_worker
from tests.conftest import lender_today, make_settings
from tests.loans import make_loan
from tests.notifications.channels.test_http_sms import Gateway, make_handler
from tests.notifications.channels.test_smtp_email import BUSY, Mailbox, smtp_server
from tests.servers import RunningServers

NEVER_QUIET = QuietWindow(time(0), time(0), ZoneInfo("Europe/Paris"))
FAST_RETRY = RetryPolicy(first_delay=timedelta(minutes=1), factor=2, max_delay=timedelta(minutes=10), max_attempts=3)
# The loan of ``make_loan``: disbursed on 15 January 2026, instalments due on the 15th from February.
FIRST_DUE = date(2026, 2, 15)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with smtp_server(box) as port:
        yield box, port


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def smtp(port: int) -> SmtpEmailChannel:
    return SmtpEmailChannel(
        SmtpConfig(host="127.0.0.1", port=port, security=SmtpSecurity.NONE, from_address="rappels@microcredit.example")
    )


def message_ids(box: Mailbox) -> Counter[str]:
    return Counter(str(mail["Message-ID"]).strip("<>").partition("@")[0] for _, _, mail in box.received)


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


async def add_officer(uow_factory: SqlUnitOfWorkFactory, email: str | None) -> uuid.UUID:
    officer_id = new_id()
    async with uow_factory() as uow:
        uow.session.add(
            StaffUserRow(
                id=officer_id,
                username=f"officer-{officer_id.hex[-12:]}",
                full_name="Officer",
                password_hash="x",
                roles=["loan_officer"],
                email=email,
            )
        )
        await uow.commit()
    return officer_id


async def add_borrower_with_loan(
    uow_factory: SqlUnitOfWorkFactory,
    officer_id: uuid.UUID,
    *,
    name: str,
    phone: str | None = "+33612345678",
    language: str = "fr",
) -> tuple[uuid.UUID, uuid.UUID]:
    borrower = await create_borrower(
        f"Borrower {name}", f"{name}@example.org", phone, language, uow=uow_factory(), now=datetime.now(UTC)
    )
    loan = await make_loan(uow_factory, officer_id=officer_id, borrower_id=borrower.id, installments=3)
    return borrower.id, loan.id


async def notice_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT * FROM notices ORDER BY event_key, channel"))
        return [dict(r) for r in result.mappings()]


async def test_planning_twice_writes_each_notice_once(engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory) -> None:
    officer = await add_officer(uow_factory, None)
    borrower, loan = await add_borrower_with_loan(uow_factory, officer, name="awa")
    planning = SqlNoticePlanning(engine)

    first = await plan_loan_notices(date(2026, 2, 12), planning=planning)
    second = await plan_loan_notices(date(2026, 2, 13), planning=planning)

    assert (first.notices_written, second.notices_written) == (2, 0)
    key = due_date_reminder_key(loan, 1, FIRST_DUE)
    rows = await notice_rows(engine)
    assert {(r["id"], r["channel"], r["kind"], r["status"]) for r in rows} == {
        (notice_id(borrower, key, Channel.EMAIL), "email", "due_date_reminder", "pending"),
        (notice_id(borrower, key, Channel.SMS), "sms", "due_date_reminder", "pending"),
    }
    assert rows[0]["payload"]["amount_due"]["currency"] == "EUR"


async def test_missed_payments_at_1_7_and_30_days_escalate_to_the_officer_at_30(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    with_email = await add_officer(uow_factory, "officer@microcredit.example")
    without_email = await add_officer(uow_factory, None)
    borrower, loan = await add_borrower_with_loan(uow_factory, with_email, name="bintou", phone=None)
    await add_borrower_with_loan(uow_factory, without_email, name="chloe", phone=None)
    planning = SqlNoticePlanning(engine)

    late_7 = await plan_loan_notices(FIRST_DUE + timedelta(days=7), planning=planning)
    late_30 = await plan_loan_notices(FIRST_DUE + timedelta(days=30), planning=planning)

    assert late_7.escalations_without_officer_email == 0
    assert late_30.escalations_without_officer_email == 1  # chloe's officer has no address: said, not sent
    keys = {(r["recipient_id"], r["event_key"]) for r in await notice_rows(engine)}
    assert (borrower, missed_payment_key(loan, 1, FIRST_DUE, 7)) in keys
    assert (borrower, missed_payment_key(loan, 1, FIRST_DUE, 30)) in keys
    assert (with_email, missed_payment_escalation_key(loan, 1, FIRST_DUE)) in keys
    assert (borrower, missed_payment_key(loan, 2, date(2026, 3, 15), 1)) in keys


async def test_opted_out_borrower_is_not_planned_a_notice(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await add_officer(uow_factory, None)
    borrower, _ = await add_borrower_with_loan(uow_factory, officer, name="dalia")
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE borrowers SET notifications_opt_out = true WHERE id = :id"), {"id": borrower}
        )
    report = await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    assert report.installments == 1 and report.notices_written == 0


async def test_notices_reach_a_real_smtp_server_and_the_sms_gateway_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int], gateway: Gateway
) -> None:
    box, port = mailbox
    officer = await add_officer(uow_factory, None)
    borrower, loan = await add_borrower_with_loan(uow_factory, officer, name="emma", language="en")
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    outbox = SqlNoticeOutbox(engine)
    async with HttpSmsChannel(SmsGatewayConfig(url=gateway.url, token="t")) as sms:
        channels: dict[Channel, NotificationChannel] = {Channel.EMAIL: smtp(port), Channel.SMS: sms}
        kwargs: dict[str, Any] = {"channels": channels, "quiet": NEVER_QUIET, "retry": FAST_RETRY}
        first = await deliver_due_notices(outbox=outbox, now=lambda: datetime.now(UTC), lanes=2, **kwargs)
        again = await deliver_due_notices(outbox=outbox, now=lambda: datetime.now(UTC), lanes=2, **kwargs)

    key = due_date_reminder_key(loan, 1, FIRST_DUE)
    assert (first.sent, again.handled) == (2, 0)
    ((_, rcpt, mail),) = box.received
    assert rcpt == ["emma@example.org"] and str(mail["Subject"]).startswith("Your instalment due on")
    assert message_ids(box) == {str(notice_id(borrower, key, Channel.EMAIL)): 1}
    (request,) = gateway.requests
    assert request["headers"]["Idempotency-Key"] == str(notice_id(borrower, key, Channel.SMS))
    assert {r["status"] for r in await notice_rows(engine)} == {"sent"}


async def test_the_quiet_window_moves_due_notices_to_its_end(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    officer = await add_officer(uow_factory, None)
    await add_borrower_with_loan(uow_factory, officer, name="fatou", phone=None)
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    paris = ZoneInfo("Europe/Paris")
    now = datetime.now(UTC)
    local = now.astimezone(paris)
    # A window around now, ending in an hour (local time; crossing midnight if it must).
    quiet = QuietWindow((local - timedelta(hours=1)).time(), (local + timedelta(hours=1)).time(), paris)

    report = await deliver_due_notices(
        outbox=SqlNoticeOutbox(engine),
        channels={Channel.EMAIL: smtp(port)},
        now=lambda: now,
        quiet=quiet,
        retry=FAST_RETRY,
    )

    assert (report.deferred, report.sent, box.received) == (1, 0, [])
    (row,) = await notice_rows(engine)
    assert row["status"] == "pending"
    assert row["next_attempt_at"] == quiet.next_allowed_send_time(now) > now


async def test_a_refused_send_is_retried_with_backoff_then_failed_and_listed_for_officers(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    officer = await add_officer(uow_factory, None)
    borrower, _ = await add_borrower_with_loan(uow_factory, officer, name="busy", phone=None)
    async with engine.begin() as connection:  # the SMTP server answers 450 for this address
        await connection.execute(text("UPDATE borrowers SET email = :e WHERE id = :id"), {"e": BUSY, "id": borrower})
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    outbox = SqlNoticeOutbox(engine)
    clock = Clock(datetime.now(UTC))
    kwargs: dict[str, Any] = {"channels": {Channel.EMAIL: smtp(port)}, "quiet": NEVER_QUIET, "retry": FAST_RETRY}

    first = await deliver_due_notices(outbox=outbox, now=clock, **kwargs)
    (row,) = await notice_rows(engine)
    assert (first.retried, row["status"], row["attempts"], row["last_error"]) == (
        1,
        "pending",
        1,
        "smtp.recipient_refused.450",
    )
    assert row["next_attempt_at"] == clock.at + timedelta(minutes=1)
    assert (await deliver_due_notices(outbox=outbox, now=clock, **kwargs)).handled == 0  # not due yet

    clock.at += timedelta(minutes=1)
    await deliver_due_notices(outbox=outbox, now=clock, **kwargs)
    (row,) = await notice_rows(engine)
    assert (row["attempts"], row["next_attempt_at"]) == (2, clock.at + timedelta(minutes=2))

    clock.at += timedelta(minutes=2)
    last = await deliver_due_notices(outbox=outbox, now=clock, **kwargs)
    (row,) = await notice_rows(engine)
    assert (last.failed, row["status"], row["attempts"]) == (1, "failed", 3)
    (failed,) = await failed_notices(outbox=outbox)
    assert (failed.id, failed.recipient_id, failed.last_error) == (row["id"], borrower, "smtp.recipient_refused.450")
    assert box.received == []


class WorkerKilled(Exception):
    """Stands for the worker process dying: raised by the channel after the SMTP server took the mail."""


class DiesAfter:
    """Sends through the real SMTP channel, and dies right after the ``n``-th message was accepted."""

    def __init__(self, channel: SmtpEmailChannel, n: int) -> None:
        self.channel, self.n, self.count = channel, n, 0

    async def send(self, message: Message) -> None:
        await self.channel.send(message)
        self.count += 1
        if self.count == self.n:
            raise WorkerKilled


async def test_a_delivery_run_dying_halfway_and_redis_emptied_lose_nothing_and_resend_only_the_one_in_flight(
    servers: RunningServers, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    settings = make_settings(servers, NOTIFY_QUIET_START="00:00", NOTIFY_QUIET_END="00:00")
    officer = await add_officer(uow_factory, None)
    for index in range(12):
        await add_borrower_with_loan(uow_factory, officer, name=f"crash{index}", phone=None)
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    await pool.enqueue_job("deliver_notices", _job_id="deliver-before-crash")  # lost with Redis below

    dying = DiesAfter(smtp(port), n=5)
    with pytest.raises(ExceptionGroup) as died:
        await deliver_due_notices(
            outbox=SqlNoticeOutbox(engine),
            channels={Channel.EMAIL: dying},
            now=lambda: datetime.now(UTC),
            quiet=NEVER_QUIET,
            retry=FAST_RETRY,
            lanes=1,
        )
    assert died.group_contains(WorkerKilled)
    in_flight = message_ids(box)
    rows = await notice_rows(engine)
    assert len(box.received) == 5 and Counter(r["status"] for r in rows) == {"sent": 4, "pending": 8}
    (unrecorded,) = set(in_flight) - {str(r["id"]) for r in rows if r["status"] == "sent"}

    redis = Redis.from_url(settings.redis_url)
    await redis.flushdb()
    await redis.aclose()
    # The worker comes back; its job was lost with Redis, so it is asked again (the minute's cron would too).
    await pool.enqueue_job("deliver_notices", _job_id="deliver-after-crash")
    worker = build_worker(
        settings,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        ctx={"settings": settings, "channels": {Channel.EMAIL: smtp(port)}},
    )
    try:
        await worker.async_run()
    finally:
        await worker.close()
        await pool.aclose()

    rows = await notice_rows(engine)
    assert len(rows) == 12 and {r["status"] for r in rows} == {"sent"}
    sent = message_ids(box)
    assert set(sent) == {str(r["id"]) for r in rows}  # none lost
    assert {i: n for i, n in sent.items() if n > 1} == {unrecorded: 2}  # only the one in flight twice


async def test_a_notice_that_cannot_be_read_is_given_up_and_the_others_still_go(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    officer = await add_officer(uow_factory, None)
    await add_borrower_with_loan(uow_factory, officer, name="noor", language="fr")
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    async with engine.begin() as connection:  # one notice's content spoilt (say, by a newer version)
        spoilt = await connection.scalar(
            text(
                'UPDATE notices SET payload = \'{"kind": "no-such-kind"}\''
                " WHERE id = (SELECT id FROM notices WHERE channel = 'sms' LIMIT 1) RETURNING id"
            )
        )
    report = await deliver_due_notices(
        outbox=SqlNoticeOutbox(engine),
        now=lambda: datetime.now(UTC),
        channels={Channel.EMAIL: smtp(port), Channel.SMS: smtp(port)},
        quiet=NEVER_QUIET,
        retry=FAST_RETRY,
        lanes=1,
    )
    rows = {row["id"]: row for row in await notice_rows(engine)}
    assert rows[spoilt]["status"] == "failed" and rows[spoilt]["last_error"] == "notice.unreadable"
    assert {row["status"] for key, row in rows.items() if key != spoilt} == {"sent"}
    assert report.sent == len(rows) - 1 == len(box.received)


async def test_an_officer_hears_of_a_follow_up_contact_a_week_before_it_is_due(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    from service.followup.handlers import create_plan
    from service.notifications.handlers import plan_follow_up_notices

    box, port = mailbox
    officer = await add_officer(uow_factory, "conseillere@association.example")
    _, loan = await add_borrower_with_loan(uow_factory, officer, name="follow")
    plan = await create_plan(loan, uow=uow_factory())
    first = min(c.due_on for c in plan.contacts if c.due_on)  # a month after the disbursement
    planning = SqlNoticePlanning(engine)
    assert await plan_follow_up_notices(first - timedelta(days=8), planning=planning) == 0
    assert await plan_follow_up_notices(first - timedelta(days=7), planning=planning) == 1
    assert await plan_follow_up_notices(first - timedelta(days=3), planning=planning) == 0  # once
    report = await deliver_due_notices(
        outbox=SqlNoticeOutbox(engine),
        now=lambda: datetime.now(UTC),
        channels={Channel.EMAIL: smtp(port)},
        quiet=NEVER_QUIET,
        retry=FAST_RETRY,
        lanes=1,
    )
    assert report.sent == 1
    ((_, rcpt, mail),) = box.received
    assert rcpt == ["conseillere@association.example"]
    from domain.notifications.formatting import format_date
    from domain.notifications.model import Language

    assert format_date(first, Language.FR) in mail.get_content()  # staff read French


async def test_people_enrolled_hear_that_their_training_starts_in_two_days(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, mailbox: tuple[Mailbox, int]
) -> None:
    from service.notifications.handlers import plan_training_notices

    box, port = mailbox
    starts_on = date(2026, 3, 2)
    officer = await add_officer(uow_factory, None)
    people = [(await add_borrower_with_loan(uow_factory, officer, name=name))[1] for name in ("trainee", "dropout")]
    programme, session = uuid.uuid4(), uuid.uuid4()
    async with engine.begin() as connection:
        applicants = [
            (
                await connection.execute(
                    text(
                        "SELECT a.id, a.email FROM applicants a JOIN loans l ON l.applicant_id = a.id WHERE l.id = :id"
                    ),
                    {"id": loan},
                )
            ).one()
            for loan in people
        ]
        await connection.execute(
            text(
                "INSERT INTO training_programmes (id, name, provider_name, duration_days, min_attendance_percent,"
                " active) VALUES (:id, 'Créer son activité', 'BGE', 5, 80, true)"
            ),
            {"id": programme},
        )
        await connection.execute(
            text(
                "INSERT INTO training_sessions (id, programme_id, starts_on, ends_on, capacity, trainer, location,"
                " version) VALUES (:id, :p, :s, :s, 12, 'A. Martin', 'Maison des associations', 1)"
            ),
            {"id": session, "p": programme, "s": starts_on},
        )
        for (applicant, _), status in zip(applicants, ("enrolled", "dropped")):  # only the enrolled one hears
            await connection.execute(
                text(
                    "INSERT INTO enrolments (id, session_id, applicant_id, status, enrolled_at)"
                    " VALUES (:id, :s, :a, :status, now())"
                ),
                {"id": uuid.uuid4(), "s": session, "a": applicant, "status": status},
            )
    planning = SqlNoticePlanning(engine)
    assert await plan_training_notices(starts_on - timedelta(days=3), planning=planning) == 0
    assert await plan_training_notices(starts_on - timedelta(days=2), planning=planning) == 1  # e-mail only
    assert await plan_training_notices(starts_on - timedelta(days=1), planning=planning) == 0
    report = await deliver_due_notices(
        outbox=SqlNoticeOutbox(engine),
        now=lambda: datetime.now(UTC),
        channels={Channel.EMAIL: smtp(port)},
        quiet=NEVER_QUIET,
        retry=FAST_RETRY,
        lanes=1,
    )
    assert report.sent == 1
    ((_, rcpt, mail),) = box.received
    assert rcpt == [applicants[0][1]] and "Créer son activité" in mail.get_content()


async def test_after_a_reschedule_notices_number_instalments_as_the_amendment_does(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Any
) -> None:
    from dataclasses import replace

    from domain.identity.model import Principal, PrincipalKind, Role
    from domain.notifications import Channel, Preferences, Recipient
    from service.kernel.idempotency import IdempotencyKey
    from service.notifications.handlers import notices_for_installment
    from service.servicing.handlers.payments import RescheduleCommand, reschedule

    today = lender_today()
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=today - timedelta(days=40))
    await reschedule(
        loan.id,
        RescheduleCommand(
            value_date=today, number_of_installments=6, first_due_date=today + timedelta(days=10), reason="harvest"
        ),
        actor=Principal(PrincipalKind.STAFF, officer.id, frozenset({Role.LOAN_OFFICER})),
        idempotency=IdempotencyKey("test", uuid.uuid4().hex, "h"),
        uow=uow_factory(),
        today=today,
    )
    rows = [
        row
        for row in await SqlNoticePlanning(engine).installments(
            due_from=today, due_to=today + timedelta(days=400), after=None, limit=1000
        )
        if row.loan_id == loan.id
    ]
    # The amendment's six instalments follow the contract's twelve in the store; notices number
    # them 1 to 6, as the amendment the borrower signed does, and keep the stored number in their keys.
    assert [row.installment_number for row in rows] == list(range(13, 19))
    assert [row.number_in_schedule for row in rows] == list(range(1, 7))
    borrower = Recipient(id=uuid.uuid4(), preferences=Preferences(channels=frozenset({Channel.EMAIL})), email="b@x.org")
    reminded, _ = notices_for_installment(rows[0].due_date - timedelta(days=3), replace(rows[0], borrower=borrower))
    [planned] = reminded
    assert planned.notice.content.installment_number == 1  # type: ignore[union-attr]
    assert f":installment:{rows[0].installment_number}:" in planned.notice.event_key
