"""The notice outbox in SQL: planning reads unpaid instalments a page at a time and inserts the
page's notices in one statement; delivery locks one due notice at a time with ``FOR UPDATE SKIP
LOCKED`` and records its outcome in the transaction that holds the lock."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, get_args

import structlog
from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.notifications import (
    Channel,
    Delivery,
    DeliveryStatus,
    Language,
    Notice,
    NoticeContent,
    Preferences,
    Recipient,
)
from service.kernel.db.codec import from_jsonb, to_jsonb
from service.notifications.ports import (
    ContactToNotify,
    DueNotice,
    FailedNotice,
    InstallmentToNotify,
    PlannedNotice,
    RecipientKind,
    TraineeToNotify,
)

_NIL = uuid.UUID(int=0)

# A notice's ``payload`` is its content's fields and the ``kind`` that says which content it is.
_CONTENT_OF_KIND: dict[str, type[NoticeContent]] = {t.kind.value: t for t in get_args(NoticeContent)}


def _payload(content: NoticeContent) -> dict[str, Any]:
    return {"kind": content.kind.value, **to_jsonb(content)}


def _content(payload: dict[str, Any]) -> NoticeContent:
    """The content ``_payload`` wrote; an unknown kind, a missing or bad field is a ``ValueError``."""
    content_type = _CONTENT_OF_KIND.get(payload["kind"])
    if content_type is None:
        raise ValueError(f"unknown notice kind {payload['kind']!r}")
    return from_jsonb(payload, content_type)


_INSTALLMENTS = text(
    """
    SELECT i.loan_id, i.number, i.due_date, i.outstanding, l.currency,
           i.number + 1 - (
               SELECT min(j.number) FROM loan_installments j
               WHERE j.loan_id = i.loan_id AND j.schedule_version = i.schedule_version
           ) AS number_in_schedule,
           b.id AS borrower_id, b.email AS borrower_email, b.phone AS borrower_phone,
           b.language AS borrower_language, b.notification_channels, b.notifications_opt_out,
           s.id AS officer_id, s.email AS officer_email
    FROM loan_installments i
    JOIN loans l ON l.id = i.loan_id
    JOIN applicants a ON a.id = l.applicant_id
    LEFT JOIN borrowers b ON b.id = a.borrower_id
    LEFT JOIN staff_users s ON s.id = l.officer_id AND s.active AND s.email IS NOT NULL
    WHERE i.outstanding > 0 AND i.status IN ('due', 'late', 'partially_paid', 'not_due')
      AND i.due_date BETWEEN CAST(:due_from AS date) AND CAST(:due_to AS date)
      AND l.status = 'active'
      AND (i.loan_id, i.number) > (CAST(:after_loan AS uuid), CAST(:after_number AS integer))
    ORDER BY i.loan_id, i.number
    LIMIT :limit
    """
)

_ADD = text(
    """
    INSERT INTO notices (id, recipient_kind, recipient_id, channel, event_key, kind, payload)
    SELECT t.id, t.recipient_kind, t.recipient_id, t.channel, t.event_key, t.kind, CAST(t.payload AS jsonb)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:recipient_kinds AS text[]), CAST(:recipient_ids AS uuid[]),
                CAST(:channels AS text[]), CAST(:event_keys AS text[]), CAST(:kinds AS text[]),
                CAST(:payloads AS text[]))
         AS t(id, recipient_kind, recipient_id, channel, event_key, kind, payload)
    ON CONFLICT (id) DO NOTHING
    """
)

_CLAIM = text(
    """
    SELECT n.id, n.recipient_kind, n.recipient_id, n.channel, n.event_key, n.payload,
           n.attempts, n.next_attempt_at, n.last_error,
           b.id AS borrower_id, b.email AS borrower_email, b.phone AS borrower_phone,
           b.language AS borrower_language, b.notification_channels, b.notifications_opt_out,
           s.id AS staff_id, s.email AS staff_email, s.active AS staff_active,
           ap.id AS applicant_id, ap.email AS applicant_email, ap.phone AS applicant_phone
    FROM notices n
    LEFT JOIN borrowers b ON n.recipient_kind = 'borrower' AND b.id = n.recipient_id
    LEFT JOIN staff_users s ON n.recipient_kind = 'staff' AND s.id = n.recipient_id
    LEFT JOIN applicants ap ON n.recipient_kind = 'applicant' AND ap.id = n.recipient_id
    WHERE n.status = 'pending' AND n.next_attempt_at <= :now
    ORDER BY n.next_attempt_at
    LIMIT 1
    FOR UPDATE OF n SKIP LOCKED
    """
)

log = structlog.get_logger(__name__)

_GIVE_UP = text(
    "UPDATE notices SET status = 'failed', last_error = 'notice.unreadable', attempts = attempts + 1 WHERE id = :id"
)
_RECORD = text(
    """
    UPDATE notices
    SET status = :status, attempts = :attempts, next_attempt_at = coalesce(:next_attempt_at, next_attempt_at),
        last_error = :last_error, sent_at = :sent_at
    WHERE id = :id
    """
)

_DEFER = text("UPDATE notices SET next_attempt_at = :until WHERE status = 'pending' AND next_attempt_at < :until")

_FAILED = text(
    """
    SELECT id, recipient_kind, recipient_id, channel, kind, event_key, attempts, last_error, created_at
    FROM notices WHERE status = 'failed' AND id > :after ORDER BY id LIMIT :limit
    """
)


def _borrower(row: RowMapping) -> Recipient | None:
    if row["borrower_id"] is None:
        return None
    return Recipient(
        id=row["borrower_id"],
        preferences=Preferences(
            language=Language(row["borrower_language"]) if row["borrower_language"] in ("fr", "en") else Language.FR,
            channels=frozenset(Channel(c) for c in row["notification_channels"]),
            opted_out=row["notifications_opt_out"],
        ),
        email=row["borrower_email"],
        phone=row["borrower_phone"],
    )


def _staff(staff_id: uuid.UUID, email: str | None, *, active: bool = True) -> Recipient:
    # Staff read French notices, by e-mail only; a staff member who left receives nothing.
    return Recipient(
        id=staff_id,
        preferences=Preferences(channels=frozenset({Channel.EMAIL}), opted_out=not active),
        email=email,
    )


_FOLLOW_UP_CONTACTS = text(
    """
    SELECT c.id, c.loan_id, c.due_on, (p.offsets_months ->> (c.number - 1))::int AS months, s.id AS officer_id,
           s.email AS officer_email
    FROM follow_up_contacts c
    JOIN follow_up_plans p ON p.id = c.plan_id
    JOIN staff_users s ON s.id = c.officer_id AND s.active AND s.email IS NOT NULL
    WHERE c.due_on BETWEEN :due_from AND :due_to AND c.contacted_on IS NULL
    ORDER BY c.due_on, c.id
    """
)


def _applicant(applicant_id: uuid.UUID, email: str | None, phone: str | None) -> Recipient:
    # Before they borrow, people have no preferences stored: French, by every address they gave.
    return Recipient(
        id=applicant_id,
        preferences=Preferences(channels=frozenset({Channel.EMAIL, Channel.SMS}), opted_out=False),
        email=email,
        phone=phone,
    )


_TRAINEES = text(
    """
    SELECT ts.id AS session_id, tp.name AS programme_name, ts.starts_on, ts.location,
           ap.id AS applicant_id, ap.email, ap.phone
    FROM training_sessions ts
    JOIN training_programmes tp ON tp.id = ts.programme_id
    JOIN enrolments e ON e.session_id = ts.id AND e.status = 'enrolled'
    JOIN applicants ap ON ap.id = e.applicant_id
    WHERE ts.starts_on BETWEEN :starts_from AND :starts_to
    ORDER BY ts.starts_on, ts.id, ap.id
    """
)


class SqlNoticePlanning:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def trainees(self, *, starts_from: date, starts_to: date) -> Sequence[TraineeToNotify]:
        async with self.engine.connect() as connection:
            params = {"starts_from": starts_from, "starts_to": starts_to}
            rows = (await connection.execute(_TRAINEES, params)).mappings().all()
        return [
            TraineeToNotify(
                session_id=row["session_id"],
                programme_name=row["programme_name"],
                starts_on=row["starts_on"],
                location=row["location"],
                applicant=_applicant(row["applicant_id"], row["email"], row["phone"]),
            )
            for row in rows
        ]

    async def follow_up_contacts(self, *, due_from: date, due_to: date) -> Sequence[ContactToNotify]:
        async with self.engine.connect() as connection:
            rows = (
                (await connection.execute(_FOLLOW_UP_CONTACTS, {"due_from": due_from, "due_to": due_to}))
                .mappings()
                .all()
            )
        return [
            ContactToNotify(
                contact_id=row["id"],
                loan_id=row["loan_id"],
                due_on=row["due_on"],
                months_after_start=row["months"],
                officer=_staff(row["officer_id"], row["officer_email"]),
            )
            for row in rows
        ]

    async def installments(
        self, *, due_from: date, due_to: date, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[InstallmentToNotify]:
        after_loan, after_number = after or (_NIL, 0)
        async with self.engine.connect() as connection:
            result = await connection.execute(
                _INSTALLMENTS,
                {
                    "due_from": due_from,
                    "due_to": due_to,
                    "after_loan": after_loan,
                    "after_number": after_number,
                    "limit": limit,
                },
            )
            rows = result.mappings().all()
        return [
            InstallmentToNotify(
                loan_id=row["loan_id"],
                installment_number=row["number"],
                number_in_schedule=row["number_in_schedule"],
                due_date=row["due_date"],
                outstanding=row["outstanding"],
                currency=row["currency"],
                borrower=_borrower(row),
                officer=_staff(row["officer_id"], row["officer_email"]) if row["officer_id"] else None,
            )
            for row in rows
        ]

    async def add(self, notices: Sequence[PlannedNotice]) -> int:
        params: dict[str, list[Any]] = {
            "ids": [],
            "recipient_kinds": [],
            "recipient_ids": [],
            "channels": [],
            "event_keys": [],
            "kinds": [],
            "payloads": [],
        }
        for planned in notices:
            notice = planned.notice
            params["ids"].append(notice.id)
            params["recipient_kinds"].append(planned.recipient_kind.value)
            params["recipient_ids"].append(notice.recipient_id)
            params["channels"].append(notice.channel.value)
            params["event_keys"].append(notice.event_key)
            params["kinds"].append(notice.content.kind.value)
            params["payloads"].append(json.dumps(_payload(notice.content)))
        async with self.engine.begin() as connection:
            result = await connection.execute(_ADD, params)
        return int(result.rowcount)


class _Claim:
    def __init__(self, connection: AsyncConnection, due: DueNotice) -> None:
        self._connection = connection
        self._due = due

    @property
    def due(self) -> DueNotice:
        return self._due

    async def record(self, delivery: Delivery) -> None:
        await self._connection.execute(
            _RECORD,
            {
                "id": delivery.notice_id,
                "status": delivery.status.value,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at,
                "last_error": delivery.last_error,
                "sent_at": delivery.sent_at,
            },
        )
        await self._connection.commit()


def _due_notice(row: RowMapping) -> DueNotice:
    payload = row["payload"]
    content = _content(payload if isinstance(payload, dict) else json.loads(payload))
    notice = Notice(
        recipient_id=row["recipient_id"], event_key=row["event_key"], channel=Channel(row["channel"]), content=content
    )
    recipient: Recipient | None
    if row["recipient_kind"] == RecipientKind.BORROWER:
        recipient = _borrower(row)
    elif row["recipient_kind"] == RecipientKind.APPLICANT:
        recipient = (
            _applicant(row["applicant_id"], row["applicant_email"], row["applicant_phone"])
            if row["applicant_id"]
            else None
        )
    elif row["staff_id"] is not None:
        recipient = _staff(row["staff_id"], row["staff_email"], active=row["staff_active"])
    else:
        recipient = None
    delivery = Delivery(
        notice_id=row["id"],
        status=DeliveryStatus.PENDING,
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
    )
    return DueNotice(notice=notice, delivery=delivery, recipient=recipient)


class SqlNoticeOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def claim_next(self, now: datetime) -> AsyncIterator[_Claim | None]:
        async with self.engine.connect() as connection:
            while True:
                await connection.begin()
                row = (await connection.execute(_CLAIM, {"now": now})).mappings().first()
                if row is None:
                    yield None
                    return
                try:
                    due = _due_notice(row)
                except (KeyError, TypeError, ValueError):
                    # Content this version cannot read (a bad or newer payload) must not stop
                    # every later delivery run: give it up, visible to officers, and go on.
                    log.error("notice_unreadable", notice_id=str(row["id"]))
                    await connection.execute(_GIVE_UP, {"id": row["id"]})
                    await connection.commit()
                    continue
                # Leaving without ``record`` rolls back: the notice stays pending and unlocked.
                yield _Claim(connection, due)
                return

    async def defer_due(self, until: datetime) -> int:
        async with self.engine.begin() as connection:
            result = await connection.execute(_DEFER, {"until": until})
        return int(result.rowcount)

    async def failed(self, *, after: uuid.UUID | None, limit: int) -> Sequence[FailedNotice]:
        async with self.engine.connect() as connection:
            rows = (await connection.execute(_FAILED, {"after": after or _NIL, "limit": limit})).mappings().all()
        return [
            FailedNotice(
                id=row["id"],
                recipient_kind=RecipientKind(row["recipient_kind"]),
                recipient_id=row["recipient_id"],
                channel=row["channel"],
                kind=row["kind"],
                event_key=row["event_key"],
                attempts=row["attempts"],
                last_error=row["last_error"],
                created_at=row["created_at"],
            )
            for row in rows
        ]
