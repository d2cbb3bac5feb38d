"""Tables for training programmes, their sessions, enrolments and daily attendance."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk


class TrainingProgrammeRow(Base):
    __tablename__ = "training_programmes"
    __table_args__ = (
        CheckConstraint("duration_days BETWEEN 1 AND 365", name="duration_days"),
        CheckConstraint("min_attendance_percent >= 0 AND min_attendance_percent <= 100", name="min_attendance"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"), index=True)
    duration_days: Mapped[int] = mapped_column(Integer)
    min_attendance_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = created_at()


class TrainingSessionRow(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        # No programme runs longer (domain.training.model.MAX_SESSION_DAYS); the programme's own
        # bound is checked by the use case.
        CheckConstraint("ends_on - starts_on < 511", name="length"),
        CheckConstraint("capacity BETWEEN 1 AND 200", name="capacity"),
        Index("ix_training_sessions_programme_id_starts_on", "programme_id", "starts_on"),
        Index("ix_training_sessions_starts_on", "starts_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_programmes.id"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    capacity: Mapped[int] = mapped_column(Integer)
    trainer: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = created_at()
    version: Mapped[int] = mapped_column(Integer, default=1)


class EnrolmentRow(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("status IN ('enrolled', 'moved', 'completed', 'dropped')", name="status"),
        CheckConstraint("(status = 'completed') = (completed_on IS NOT NULL)", name="completed_on"),
        CheckConstraint("(status = 'moved') = (moved_to_enrolment_id IS NOT NULL)", name="moved_to"),
        # One place per person and session; a move leaves the old enrolment behind as history.
        Index(
            "uq_enrolments_session_id_applicant_id",
            "session_id",
            "applicant_id",
            unique=True,
            postgresql_where="status <> 'moved'",
        ),
        Index("ix_enrolments_applicant_id", "applicant_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_sessions.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"))
    status: Mapped[str] = mapped_column(String(20))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    moved_to_enrolment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enrolments.id"))


class AttendanceRow(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("enrolment_id", "day", name="uq_attendance_enrolment_id_day"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
