"""The notice outbox of issue 6: one row per notice, keyed by its deterministic id.

The primary key is ``domain.notifications.notice_id`` (recipient, event, channel), so planning the
same notice twice inserts nothing the second time (``ON CONFLICT DO NOTHING``): the table itself
keeps a notice to one delivery per recipient, event and channel. The row carries the content the
message needs (``payload``), never an address or a name: those are read at send time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base

PENDING = "status = 'pending'"


class NoticeRow(Base):
    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("recipient_kind IN ('borrower', 'staff', 'applicant')", name="recipient_kind"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The delivery job reads due pending notices, oldest first, and nothing else.
        Index("ix_notices_due", "next_attempt_at", postgresql_where=text(PENDING)),
        # Officers list the notices that could not be delivered.
        Index("ix_notices_failed", "created_at", postgresql_where=text("status = 'failed'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[uuid.UUID] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    event_key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    last_error: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
