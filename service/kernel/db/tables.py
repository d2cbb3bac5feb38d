"""The kernel's own table: the idempotency keys every context's commands store their results under."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk


class IdempotencyKeyRow(Base):
    """A request a client marked with ``Idempotency-Key``: its body hash and what it produced,
    written in the same transaction as the effect so that a retry replays instead of repeating."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
        # An erasure deletes the person's replies by it; the retention run purges by age.
        Index("ix_idempotency_keys_subject_id", "subject_id", postgresql_where=text("subject_id IS NOT NULL")),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    scope: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The person (applicant) the reply is about: an erasure deletes their replies. No foreign key:
    # an erased applicant's id stays an anonymous key, and rows are short-lived (purged by age).
    subject_id: Mapped[uuid.UUID | None]
    created_at: Mapped[dt.datetime] = created_at()
