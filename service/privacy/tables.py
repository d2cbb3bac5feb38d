"""The privacy context's own tables: what it knows about a person beyond the other contexts' rows
(a dispute, a longer retention agreed), the audit of reads, rectifications and the retention runs
(the referral consent and its withdrawal are in ``partner_referrals``, the partners context's).
Audit and rectification rows are append-only (database triggers, migration 0020)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, uuid_pk


class PrivacyPersonRow(Base):
    """What holds back a person's erasure: an open dispute, or a longer retention they agreed to."""

    __tablename__ = "privacy_persons"

    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"), primary_key=True)
    dispute_open: Mapped[bool] = mapped_column(server_default=text("false"))
    longer_retention_until: Mapped[dt.date | None] = mapped_column(Date)
    follow_up_scrubbed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))


class ReadAuditRow(Base):
    """One staff read of a person's file: who, when, what (kind + id), through which route and
    request. No personal data: ids only, so the row survives the person's erasure unchanged."""

    __tablename__ = "privacy_read_audit"
    __table_args__ = (
        CheckConstraint("route IN ('api', 'ui')", name="route"),
        Index("ix_privacy_read_audit_object", "object_kind", "object_id", "id"),
        Index("ix_privacy_read_audit_staff", "staff_id", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()  # UUIDv7: time-ordered, the cursor of the listings
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[uuid.UUID] = mapped_column()
    route: Mapped[str] = mapped_column(String(3))
    request_id: Mapped[str] = mapped_column(String(64))


class RectificationRow(Base):
    """A correction of identity or contact data (GDPR art. 16): which field, who, when and why.
    Neither the old nor the new value is copied here; the applicant row holds the current one."""

    __tablename__ = "privacy_rectifications"
    __table_args__ = (Index("ix_privacy_rectifications_applicant_id", "applicant_id", "id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"))
    field: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RetentionRunRow(Base):
    """One run of the retention job: the business date it applied and what it did, by action."""

    __tablename__ = "privacy_retention_runs"

    id: Mapped[uuid.UUID] = uuid_pk()
    as_of: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
