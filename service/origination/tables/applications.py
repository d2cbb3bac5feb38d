"""Tables for applications, their append-only history and committee votes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk

AMOUNT = Numeric(14, 4)
STATUSES = (
    "draft",
    "submitted",
    "under_review",
    "at_committee",
    "approved",
    "rejected",
    "withdrawn",
    "offer_issued",
    "offer_expired",
    "contract_signed",
    "partly_disbursed",
    "disbursed",
)


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("disbursed_amount >= 0 AND disbursed_amount <= amount", name="disbursed"),
        CheckConstraint("number_of_installments BETWEEN 1 AND 600", name="installments"),
        CheckConstraint("committee_round >= 0", name="committee_round"),
        # Paid out in full exactly when the file reads disbursed; partly between the first and last tranche.
        CheckConstraint("status <> 'disbursed' OR disbursed_amount = amount", name="disbursed_status"),
        CheckConstraint(
            "status <> 'partly_disbursed' OR (disbursed_amount > 0 AND disbursed_amount < amount)",
            name="partly_disbursed",
        ),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        Index("ix_applications_applicant_id", "applicant_id"),
        Index("ix_applications_status", "status"),
        Index("ix_applications_offer_expires_on", "offer_expires_on", postgresql_where="status = 'offer_issued'"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loan_products.id"))
    product_version: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    number_of_installments: Mapped[int] = mapped_column(Integer)
    principal_grace_installments: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    # [{"text", "met_by", "met_at", "evidence"}]: the committee's conditions and who met each, when, on what.
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    rejection_reasons: Mapped[list[str]] = mapped_column(ARRAY(Text))
    eligibility: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    offer: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    offer_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    disbursed_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    committee_round: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[dt.datetime] = created_at()
    version: Mapped[int] = mapped_column(Integer, default=1)


class ApplicationEventRow(Base):
    """Append-only: a trigger in the migration refuses UPDATE and DELETE."""

    __tablename__ = "application_events"
    __table_args__ = (Index("ix_application_events_application_id_id", "application_id", "id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID] = mapped_column()
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


class CommitteeVoteRow(Base):
    """Every vote cast is kept; a member's later vote in the same round replaces the earlier one in the count."""

    __tablename__ = "committee_votes"
    __table_args__ = (
        CheckConstraint("vote IN ('approve', 'reject', 'request_changes')", name="vote"),
        CheckConstraint("round >= 1", name="round"),
        Index("ix_committee_votes_application_id", "application_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    vote: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = created_at()
