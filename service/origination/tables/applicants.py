"""Tables for applicants, referrals and business projects."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.origination.applicants import DocumentKind, ResourceKind, Situation, Stage
from service.kernel.db.base import Base, created_at, uuid_pk
from service.kernel.db.encryption import EncryptedText


def one_of(column: str, kinds: type[Enum]) -> str:
    """A CHECK that a text column holds one of the enum's values (stored by value, read back by value)."""
    return f"{column} IN ({', '.join(repr(k.value) for k in kinds)})"


def kinds_one_of(column: str, kinds: type[Enum]) -> str:
    """A CHECK that every line of a JSONB array has a ``kind`` from the closed set."""
    allowed = " || ".join(f'@.kind == "{k.value}"' for k in kinds)
    return f"NOT jsonb_path_exists({column}, '$[*] ? (!({allowed}))')"


class ApplicantRow(Base):
    __tablename__ = "applicants"
    __table_args__ = (
        # An erased person (service/privacy) keeps an anonymous row for the records the law keeps.
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL OR erased_at IS NOT NULL", name="contact"),
        CheckConstraint(one_of("situation", Situation), name="situation"),
        CheckConstraint(one_of("stage", Stage), name="stage"),
        # One person, one record: a second referral finds the first through these (sandbox people
        # apart: a test referral must never link to a real person who has the same address).
        Index("uq_applicants_email", "email", "test", unique=True, postgresql_where="email IS NOT NULL"),
        Index("uq_applicants_phone", "phone", "test", unique=True, postgresql_where="phone IS NOT NULL"),
        Index("ix_applicants_partner_id", "partner_id"),
        Index("ix_applicants_officer_id", "officer_id"),
        Index("ix_applicants_stage", "stage"),
        Index("ix_applicants_name_search", "search_name"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    full_name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    postal_address: Mapped[str | None] = mapped_column(EncryptedText)  # encrypted at rest (issue 15)
    situation: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    stage_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"))
    officer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    borrower_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("borrowers.id"), unique=True)
    created_at: Mapped[dt.datetime] = created_at()
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set by the privacy context when it anonymises the row (erasure or retention).
    erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ReferralRow(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_partner_id_id", "partner_id", "id"),
        CheckConstraint(one_of("situation", Situation), name="situation"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"), index=True)
    situation: Mapped[str] = mapped_column(String(40))
    project_idea: Mapped[str] = mapped_column(EncryptedText)  # encrypted at rest (issue 15)
    partner_contact_name: Mapped[str] = mapped_column(String(200))
    partner_contact_email: Mapped[str] = mapped_column(String(320))
    consent_given_on: Mapped[dt.date] = mapped_column(Date)
    consent_text_version: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = created_at()


class BusinessProjectRow(Base):
    __tablename__ = "business_projects"
    __table_args__ = (
        UniqueConstraint("applicant_id", name="uq_business_projects_applicant_id"),
        CheckConstraint("siret IS NULL OR siret ~ '^[0-9]{14}$'", name="siret"),
        CheckConstraint(kinds_one_of("resources", ResourceKind), name="resource_kinds"),
        CheckConstraint(kinds_one_of("documents", DocumentKind), name="document_kinds"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"))
    activity: Mapped[str] = mapped_column(Text)
    legal_status: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    siret: Mapped[str | None] = mapped_column(String(14), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    resources: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    guarantors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, default=1)
