"""The person's records anonymised across every context, in SQL over their tables by name (the
privacy context sits on top of the others and imports none of their code), the audit writer and
the referral consent (read from ``partner_referrals``, where the partners context records it).

Erasure keeps the rows the law keeps (loans, instalments, ledger, disbursements, enrolments,
follow-up outcomes) and removes what identifies the person: the applicant row keeps its id, which
from then on is an anonymous key (nothing left links it to a name), the borrower account is
deleted, free texts are cleared. Ledger rows are never touched. The event tables' free text is
cleared under ``privacy.anonymising`` (the controlled exception of migration 0020).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from domain.errors import Conflict
from domain.ids import new_id
from domain.privacy.rectification import RectifiableField
from domain.privacy.retention import PersonFacts
from service.kernel.db.gateway import autocommit
from service.kernel.db.mapping import search_form
from service.kernel.ports import AuditedRead
from service.privacy.ports import Consent, PersonExport, Rectification
from service.privacy.read import export_person, read_consent

_FACTS = """
SELECT a.id, a.stage, CAST(a.stage_changed_at AT TIME ZONE 'UTC' AS date) AS stage_changed_on,
       a.erased_at IS NOT NULL AS erased,
       coalesce(p.dispute_open, false) AS dispute_open, p.longer_retention_until,
       p.follow_up_scrubbed_at IS NOT NULL AS follow_up_scrubbed,
       (SELECT count(*) FROM loans l WHERE l.applicant_id = a.id) AS loans,
       (SELECT count(*) FROM loans l WHERE l.applicant_id = a.id AND l.status = 'active') AS active_loans,
       (SELECT max(coalesce(l.closed_on, l.written_off_on)) FROM loans l WHERE l.applicant_id = a.id)
           AS last_loan_closed_on
FROM applicants a LEFT JOIN privacy_persons p ON p.applicant_id = a.id
"""

_ERASED = "anonymised"
_LOANS = "SELECT id FROM loans WHERE applicant_id = :person"
_APPLICATIONS = "SELECT id FROM applications WHERE applicant_id = :person"
_PARTNER_EVENTS = (
    "SELECT id FROM partner_events WHERE referral_id IN "
    "(SELECT referral_id FROM partner_referrals WHERE applicant_id = :person)"
)
# Each statement removes what identifies the person in one table; :patterns are LIKE patterns of
# the person's name, e-mail, phone and ids (for the JSON caches that may quote them).
_ERASURE = [
    "DELETE FROM borrower_login_codes WHERE borrower_id = :borrower",
    """UPDATE applicants SET full_name = '', search_name = '', email = NULL, phone = NULL, postal_address = NULL,
           borrower_id = NULL, erased_at = :now, version = version + 1 WHERE id = :person""",
    "DELETE FROM borrowers WHERE id = :borrower",
    "UPDATE referrals SET project_idea = '' WHERE applicant_id = :person",
    "DELETE FROM business_projects WHERE applicant_id = :person",
    f"""UPDATE applications SET purpose = '', rejection_reasons = '{{}}', conditions = coalesce((
           SELECT jsonb_agg(c || jsonb_build_object('text', '{_ERASED}')
                  || CASE WHEN c ->> 'evidence' IS NULL THEN '{{}}'::jsonb
                          ELSE jsonb_build_object('evidence', '{_ERASED}') END)
           FROM jsonb_array_elements(conditions) c), '[]'::jsonb), version = version + 1
       WHERE applicant_id = :person""",
    f"UPDATE committee_votes SET comment = '{_ERASED}' WHERE application_id IN ({_APPLICATIONS})",
    f"UPDATE application_events SET reason = NULL WHERE reason IS NOT NULL AND application_id IN ({_APPLICATIONS})",
    f"""UPDATE loan_events SET reason = CASE WHEN reason IS NULL THEN NULL ELSE '{_ERASED}' END,
           external_reference = NULL
       WHERE loan_id IN ({_LOANS}) AND (reason IS NOT NULL OR external_reference IS NOT NULL)""",
    # The statement's read model repeats each event's reason and reference: the same as the events.
    f"""UPDATE loan_statement_entries
       SET entry = (entry::jsonb || jsonb_build_object(
           'reason', CASE WHEN entry::jsonb ->> 'reason' IS NULL THEN NULL ELSE '{_ERASED}' END,
           'external_reference', NULL))::text
       WHERE loan_id IN ({_LOANS})
         AND (entry::jsonb ->> 'reason' IS NOT NULL OR entry::jsonb ->> 'external_reference' IS NOT NULL)""",
    "UPDATE privacy_rectifications SET reason = NULL WHERE applicant_id = :person AND reason IS NOT NULL",
    # Notices waiting to be sent to the person or about them are cancelled.
    """UPDATE notices SET status = 'skipped', last_error = 'person erased'
       WHERE status = 'pending' AND ((recipient_kind = 'applicant' AND recipient_id = :person)
           OR (recipient_kind = 'borrower' AND recipient_id = :borrower) OR payload::text LIKE ANY(:id_patterns))""",
    # Nothing more is shared with partners: the consent ends at erasure (the partners context's
    # ``sharing_allowed`` hides the person from feeds, outcomes and figures from then on), the
    # deliveries not made are cancelled, and what the partner was told is blanked (the event keeps
    # its type, date and position so that feeds stay gapless; the partner's own reference goes).
    """UPDATE partner_referrals SET consent_withdrawn_at = coalesce(consent_withdrawn_at, :now),
           partner_reference = NULL WHERE applicant_id = :person""",
    f"""UPDATE webhook_deliveries SET status = 'cancelled', last_error = 'person erased'
       WHERE status IN ('pending', 'failed') AND event_id IN ({_PARTNER_EVENTS})""",
    f"UPDATE partner_events SET data = '{{}}'::jsonb, partner_reference = NULL WHERE id IN ({_PARTNER_EVENTS})",
    # Replies stored for Idempotency-Key replays name the person they are about (an index finds them).
    "DELETE FROM idempotency_keys WHERE subject_id = :person",
    "UPDATE outbox_events SET payload = jsonb_build_object('erased', true) WHERE payload::text ILIKE ANY(:patterns)",
]
_SCRUB_FOLLOW_UP = [
    # ``actions`` are codes from a list, not free text: kept with the outcome for the survival figures.
    f"""UPDATE follow_up_contacts SET difficulties = CASE WHEN difficulties IS NULL THEN NULL ELSE '' END,
           mentor_name = CASE WHEN mentor_name IS NULL THEN NULL ELSE '{_ERASED}' END, version = version + 1
       WHERE loan_id IN ({_LOANS})""",
    """INSERT INTO privacy_persons (applicant_id, follow_up_scrubbed_at) VALUES (:person, :now)
       ON CONFLICT (applicant_id) DO UPDATE SET follow_up_scrubbed_at = :now, updated_at = :now""",
]

# The oldest first, by the index on created_at; rows a concurrent purge holds are left to it.
_PURGE_IDEMPOTENCY_KEYS = text(
    """DELETE FROM idempotency_keys WHERE id IN (
           SELECT id FROM idempotency_keys WHERE created_at < :before
           ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED)"""
)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _facts(row: Any) -> PersonFacts:
    values = dict(row._mapping)
    values.pop("id")
    return PersonFacts(**values)


class SqlPersonRecords:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def export(self, applicant_id: uuid.UUID) -> PersonExport | None:
        async with self.engine.connect() as connection:
            return await export_person(connection, applicant_id)

    async def facts(self, applicant_id: uuid.UUID) -> PersonFacts | None:
        async with self.engine.connect() as connection:
            row = (await connection.execute(text(f"{_FACTS} WHERE a.id = :person"), {"person": applicant_id})).first()
        return _facts(row) if row else None

    async def candidates(self, *, after: uuid.UUID | None, limit: int) -> Sequence[tuple[uuid.UUID, PersonFacts]]:
        query = f"""{_FACTS} WHERE (a.erased_at IS NULL OR p.follow_up_scrubbed_at IS NULL)
                    AND (CAST(:after AS uuid) IS NULL OR a.id > :after) ORDER BY a.id LIMIT :limit"""
        async with self.engine.connect() as connection:
            rows = await connection.execute(text(query), {"after": after, "limit": limit})
            return [(row.id, _facts(row)) for row in rows]

    async def erase(self, applicant_id: uuid.UUID, *, now: datetime, check: Callable[[PersonFacts], None]) -> bool:
        async with self.engine.begin() as connection:
            person = {"person": applicant_id}
            row = (await connection.execute(text(f"{_FACTS} WHERE a.id = :person FOR UPDATE OF a"), person)).first()
            if row is None:
                return False
            facts = _facts(row)
            if facts.erased:
                return True  # erased already: nothing of them is left to remove
            check(facts)
            await self._erase(connection, applicant_id, now)
        return True

    async def _erase(self, connection: AsyncConnection, applicant_id: uuid.UUID, now: datetime) -> None:
        person = {"person": applicant_id}
        identity = (
            await connection.execute(
                text("""SELECT a.full_name, a.email, a.phone, a.borrower_id, b.full_name AS b_name, b.email AS b_email,
                               b.phone AS b_phone
                        FROM applicants a LEFT JOIN borrowers b ON b.id = a.borrower_id WHERE a.id = :person"""),
                person,
            )
        ).one()
        names = {
            identity.full_name,
            identity.email,
            identity.phone,
            identity.b_name,
            identity.b_email,
            identity.b_phone,
        }
        ids = [applicant_id, identity.borrower_id]
        owned = f"{_LOANS} UNION {_APPLICATIONS} UNION SELECT id FROM referrals WHERE applicant_id = :person"
        ids += list(await connection.scalars(text(owned), person))
        params = {
            **person,
            "now": now,
            "borrower": identity.borrower_id,
            "patterns": [_like(v) for v in names if v and len(v) >= 3],
            "id_patterns": [_like(str(i)) for i in ids if i is not None],
        }
        await connection.execute(text("SET LOCAL privacy.anonymising = 'on'"))
        for statement in _ERASURE:
            await connection.execute(text(statement), params)
        await self._scrub(connection, applicant_id, now)

    async def _scrub(self, connection: AsyncConnection, applicant_id: uuid.UUID, now: datetime) -> None:
        for statement in _SCRUB_FOLLOW_UP:
            await connection.execute(text(statement), {"person": applicant_id, "now": now})

    async def scrub_follow_up(self, applicant_id: uuid.UUID, *, now: datetime) -> None:
        async with self.engine.begin() as connection:
            await self._scrub(connection, applicant_id, now)

    async def hold(
        self, applicant_id: uuid.UUID, *, dispute_open: bool, longer_retention_until: date | None, now: datetime
    ) -> bool:
        async with self.engine.begin() as connection:
            if await connection.scalar(text("SELECT 1 FROM applicants WHERE id = :p"), {"p": applicant_id}) is None:
                return False
            await connection.execute(
                text("""INSERT INTO privacy_persons (applicant_id, dispute_open, longer_retention_until, updated_at)
                        VALUES (:p, :dispute, :until, :now)
                        ON CONFLICT (applicant_id) DO UPDATE SET dispute_open = :dispute,
                            longer_retention_until = :until, updated_at = :now"""),
                {"p": applicant_id, "dispute": dispute_open, "until": longer_retention_until, "now": now},
            )
        return True

    async def purge_idempotency_keys(self, *, before: datetime, limit: int) -> int:
        async with self.engine.begin() as connection:
            purged = await connection.execute(_PURGE_IDEMPOTENCY_KEYS, {"before": before, "limit": limit})
        return purged.rowcount

    async def start_run(self, *, as_of: date, now: datetime) -> uuid.UUID:
        run_id = new_id()
        async with self.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO privacy_retention_runs (id, as_of, started_at) VALUES (:id, :as_of, :now)"),
                {"id": run_id, "as_of": as_of, "now": now},
            )
        return run_id

    async def finish_run(self, run_id: uuid.UUID, *, counts: dict[str, int], now: datetime) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE privacy_retention_runs SET finished_at = :now, counts = CAST(:counts AS jsonb)"
                    " WHERE id = :id"
                ),
                {"id": run_id, "now": now, "counts": msgspec.json.encode(counts).decode()},
            )


_RECORD_READ = """INSERT INTO privacy_read_audit (id, at, staff_id, object_kind, object_id, route, request_id)
                  VALUES ($1, $2, $3, $4, $5, $6, $7)"""


class SqlReadAudit:
    """The kernel's ``ReadAudit`` port: one append-only row per staff read of a person's file."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def record(self, read: AuditedRead) -> None:
        # One INSERT in autocommit, one round trip: it runs on every staff read of a file (the schedule
        # GET's among them), where SQLAlchemy's BEGIN, INSERT and COMMIT cost three and its CPU.
        async with autocommit(self.engine) as connection:
            await connection.execute(
                _RECORD_READ,
                new_id(),
                read.at,
                read.staff_id,
                read.object_kind,
                read.object_id,
                read.route,
                read.request_id,
            )


class SqlConsents:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def of_referral(self, referral_id: uuid.UUID) -> Consent | None:
        async with self.engine.connect() as connection:
            return await read_consent(connection, referral_id)


_RECORD_RECTIFICATION = text(
    """INSERT INTO privacy_rectifications (id, applicant_id, field, reason, recorded_by, recorded_at)
       VALUES (:id, :applicant_id, :field, :reason, :recorded_by, :recorded_at)"""
)


class SqlRectificationLog:
    """The kernel's ``Rectifications`` port on the caller's session: a correction made elsewhere
    (an officer's ``PATCH /v1/applicants/{id}``) is recorded in the transaction that makes it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, applicant_id: uuid.UUID, *, fields: Sequence[str], reason: str | None, by: uuid.UUID, at: datetime
    ) -> None:
        rows = [
            {
                "id": new_id(),
                "applicant_id": applicant_id,
                "field": f,
                "reason": reason,
                "recorded_by": by,
                "recorded_at": at,
            }
            for f in fields
        ]
        if rows:
            await self.session.execute(_RECORD_RECTIFICATION, rows)


# The borrower account has a name, e-mail and phone too: a correction applies to both.
_BORROWER_COLUMNS = {"full_name", "email", "phone"}


class SqlRectifications:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def rectify(
        self,
        applicant_id: uuid.UUID,
        *,
        field: RectifiableField,
        value: str,
        reason: str,
        staff_id: uuid.UUID,
        now: datetime,
    ) -> Rectification | None:
        column = field.value  # one of four known names, never the caller's text
        extra = ", search_name = :search" if field is RectifiableField.FULL_NAME else ""
        params = {"person": applicant_id, "value": value, "search": search_form(value)}
        try:
            async with self.engine.begin() as connection:
                borrower = await connection.execute(
                    text(f"""UPDATE applicants SET {column} = :value{extra}, version = version + 1
                             WHERE id = :person AND erased_at IS NULL RETURNING borrower_id"""),
                    params,
                )
                row = borrower.first()
                if row is None:
                    return None
                if row.borrower_id is not None and column in _BORROWER_COLUMNS:
                    await connection.execute(
                        text(f"UPDATE borrowers SET {column} = :value WHERE id = :borrower"),
                        {"value": value, "borrower": row.borrower_id},
                    )
                done = Rectification(
                    id=new_id(),
                    applicant_id=applicant_id,
                    field=column,
                    reason=reason,
                    recorded_by=staff_id,
                    recorded_at=now,
                )
                await connection.execute(_RECORD_RECTIFICATION, done.__dict__)
        except IntegrityError as error:
            raise Conflict(
                f"another person already has this {column}", code="privacy.contact_taken", field="value"
            ) from error
        return done
