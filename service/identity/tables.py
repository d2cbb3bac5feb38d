"""Tables for staff users, partners and their API keys, borrowers and their login codes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ARRAY, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk


class StaffUserRow(Base):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(
            "roles <@ ARRAY['admin','loan_officer','committee_member','read_only']::text[] AND cardinality(roles) > 0",
            name="known_roles",
        ),
        CheckConstraint("token_version >= 1", name="token_version_positive"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # Where notices to the staff member go (a missed payment escalated to the loan officer); optional.
    email: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = created_at()
    # The optimistic lock: SqlStaffUsers.save updates WHERE version = the version it read, and moves it on.
    version: Mapped[int] = mapped_column(Integer, default=1)
    token_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class PartnerRow(Base):
    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = created_at()


class ApiKeyRow(Base):
    __tablename__ = "partner_api_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = created_at()
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class BorrowerRow(Base):
    __tablename__ = "borrowers"
    __table_args__ = (
        CheckConstraint("notification_channels <@ ARRAY['email', 'sms']::text[]", name="known_notification_channels"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    created_at: Mapped[dt.datetime] = created_at()
    # The borrower's notice preferences (issue 6): the channels they accept, or no notices at all.
    notification_channels: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("ARRAY['email', 'sms']::text[]")
    )
    notifications_opt_out: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class LoginCodeRow(Base):
    __tablename__ = "borrower_login_codes"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_borrower_login_codes_borrower_id", "borrower_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    borrower_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    requested_from: Mapped[str | None] = mapped_column(String(64))
