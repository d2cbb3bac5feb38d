"""What the privacy handlers need: the person's records across every context (read and
anonymised by ``service/privacy/repositories.py`` and ``read.py`` over the tables by name)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.privacy.rectification import RectifiableField
from domain.privacy.retention import PersonFacts


@dataclass(frozen=True, kw_only=True)
class PersonExport:
    """Everything held about one person, by table (each row as column -> value)."""

    applicant_id: uuid.UUID
    language: str
    records: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    id: uuid.UUID
    at: datetime
    staff_id: uuid.UUID
    object_kind: str
    object_id: uuid.UUID
    route: str
    request_id: str


@dataclass(frozen=True, kw_only=True)
class Consent:
    referral_id: uuid.UUID
    applicant_id: uuid.UUID
    partner_id: uuid.UUID
    given_on: date
    text_version: str | None
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    share_loan_amount: bool
    person_erased: bool


@dataclass(frozen=True, kw_only=True)
class RetentionReport:
    run_id: uuid.UUID
    as_of: date
    counts: dict[str, int]


class PersonRecords(Protocol):
    async def export(self, applicant_id: uuid.UUID) -> PersonExport | None: ...
    async def facts(self, applicant_id: uuid.UUID) -> PersonFacts | None: ...
    async def candidates(self, *, after: uuid.UUID | None, limit: int) -> Sequence[tuple[uuid.UUID, PersonFacts]]:
        """People not fully dealt with yet (not erased, or follow-up notes not scrubbed), by id."""
        ...

    async def erase(self, applicant_id: uuid.UUID, *, now: datetime, check: Callable[[PersonFacts], None]) -> bool:
        """Anonymise the person in one transaction, after ``check`` (which raises to refuse) passed on
        the facts read under a lock. False when there is no such person."""
        ...

    async def scrub_follow_up(self, applicant_id: uuid.UUID, *, now: datetime) -> None: ...
    async def hold(
        self, applicant_id: uuid.UUID, *, dispute_open: bool, longer_retention_until: date | None, now: datetime
    ) -> bool: ...
    async def purge_idempotency_keys(self, *, before: datetime, limit: int) -> int:
        """Delete at most ``limit`` of the oldest stored replies (Idempotency-Key) made before
        ``before``, in one transaction; how many went."""
        ...

    async def start_run(self, *, as_of: date, now: datetime) -> uuid.UUID: ...
    async def finish_run(self, run_id: uuid.UUID, *, counts: dict[str, int], now: datetime) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Rectification:
    id: uuid.UUID
    applicant_id: uuid.UUID
    field: str
    reason: str | None
    recorded_by: uuid.UUID
    recorded_at: datetime


class Rectifications(Protocol):
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
        """Correct the field (the applicant's, and the borrower account's when it has the field) and
        record the correction, in one transaction. None if there is no such (unerased) person;
        Conflict when another person already has that e-mail or phone."""
        ...


class AuditTrail(Protocol):
    async def of_person(
        self, applicant_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[AuditEntry]: ...
    async def of_staff(self, staff_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> Sequence[AuditEntry]: ...


class Consents(Protocol):
    async def of_referral(self, referral_id: uuid.UUID) -> Consent | None: ...
