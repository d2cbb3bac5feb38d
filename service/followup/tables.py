"""Follow-up plans and their contacts (issue 6): one plan per loan, contacts planned from the
product's template or added unplanned, each with its outcome once recorded."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk
from service.kernel.db.encryption import EncryptedText


class FollowUpPlanRow(Base):
    __tablename__ = "follow_up_plans"
    __table_args__ = (
        CheckConstraint("start_source IN ('project_start_date', 'disbursement_date')", name="start_source"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"), unique=True)
    start_on: Mapped[dt.date] = mapped_column(Date)
    start_source: Mapped[str] = mapped_column(String(20))
    offsets_months: Mapped[list[int]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = created_at()


class FollowUpContactRow(Base):
    """A contact; the outcome columns are all set together when its outcome is recorded."""

    __tablename__ = "follow_up_contacts"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_follow_up_contacts_plan_number"),
        CheckConstraint("(officer_id IS NULL) <> (mentor_name IS NULL)", name="assignee"),
        CheckConstraint("number >= 1 AND version >= 1", name="counters"),
        CheckConstraint("due_on IS NOT NULL OR contacted_on IS NOT NULL", name="planned_or_done"),
        CheckConstraint(
            "(contacted_on IS NULL) = (business_status IS NULL) AND (contacted_on IS NULL) = (revenue_band IS NULL)"
            " AND (contacted_on IS NULL) = (jobs_created IS NULL) AND (contacted_on IS NULL) = (actions IS NULL)"
            " AND (contacted_on IS NULL) = (recorded_at IS NULL)",
            name="outcome_complete",
        ),
        CheckConstraint("business_status IN ('active', 'in_difficulty', 'closed')", name="business_status"),
        CheckConstraint(
            "revenue_band IN ('none', 'under_10k', '10k_to_30k', '30k_to_80k', 'over_80k')", name="revenue_band"
        ),
        CheckConstraint("jobs_created >= 0", name="jobs_created"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("follow_up_plans.id"))
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    officer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    mentor_name: Mapped[str | None] = mapped_column(String(200))
    contacted_on: Mapped[dt.date | None] = mapped_column(Date)
    business_status: Mapped[str | None] = mapped_column(String(20))
    revenue_band: Mapped[str | None] = mapped_column(String(20))
    jobs_created: Mapped[int | None] = mapped_column(Integer)
    difficulties: Mapped[str | None] = mapped_column(EncryptedText)  # encrypted at rest (issue 15)
    actions: Mapped[list[str] | None] = mapped_column(JSONB)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = created_at()
