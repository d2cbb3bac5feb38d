"""Ports every context shares: the unit of work, idempotency, rate limits, readiness, the audit of
reads, rectifications, partner events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from domain.partners.model import EventType, FollowedReferral


class Idempotency(Protocol):
    async def begin(self, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """Hold the key for this transaction; the stored result of an earlier success with the same body,
        a Conflict while another request holds it, a RuleViolation if it was used with another body."""
        ...

    async def record(
        self, scope: str, key: str, request_hash: str, result: dict[str, Any], *, subject: uuid.UUID | None
    ) -> None:
        """Store ``result`` for replays; ``subject`` is the person (applicant) it is about, so that
        their erasure deletes it (None when it is about nobody)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is written unless the handler calls ``commit``.

    Each context's ``ports`` extends it with the repositories its handlers use (``IdentityUnitOfWork``
    and so on); an implementation builds a repository only when a handler first touches it."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, client: str) -> int | None:
        """Count one request of ``client``; the seconds to wait when over the limit, else None."""
        ...


class ReadinessProbe(Protocol):
    async def check(self) -> dict[str, bool]: ...


@dataclass(frozen=True, kw_only=True)
class AuditedRead:
    """A staff member opened a person's file: who, when, what (kind + id), through which route
    (``api`` or ``ui``) and request. Ids only, never the personal data read."""

    staff_id: uuid.UUID
    at: datetime
    object_kind: str
    object_id: uuid.UUID
    route: str
    request_id: str


class ReadAudit(Protocol):
    async def record(self, read: AuditedRead) -> None:
        """Keep the record (append-only); raises when it cannot, so the read is not answered."""


class Rectifications(Protocol):
    """The record of corrections to a person's identity and contact data (GDPR art. 16): which
    field, who, when and why, never the values. In the kernel because the context that edits the
    applicant (origination) sits below the one that keeps the record (privacy, wired in
    ``service.wiring``); written in the caller's transaction, with the change itself."""

    async def record(
        self, applicant_id: uuid.UUID, *, fields: Sequence[str], reason: str | None, by: uuid.UUID, at: datetime
    ) -> None: ...


class PartnerEvents(Protocol):
    """What happened to referred people, written for their partners in the transaction of the change.

    It sits in the kernel because every context that causes a milestone (origination, training,
    follow-up) writes through it, and the contexts depend one way: the partners context
    (``service.partners``) implements it below all of them and imports none of them."""

    async def follow(self, referral: FollowedReferral) -> None:
        """Start following a new referral (its partner, reference and consents)."""
        ...

    async def followed(self, referral_id: uuid.UUID) -> FollowedReferral | None:
        """The referral as it is followed (its partner's own reference, the consents)."""
        ...

    async def record(
        self,
        applicant_id: uuid.UUID,
        event: EventType,
        *,
        on: date,
        at: datetime,
        details: Mapping[str, object] | None = None,
        once_per: str | None = None,
    ) -> int:
        """Record ``event`` for every partner that referred the person and may still be told (see
        ``domain.partners.model.sharing_allowed``); ``once_per`` makes it once per referral and key.
        Returns how many partner events were written."""
        ...
