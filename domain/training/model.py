"""Training programmes, their sessions (cohorts, "promotions"), enrolments and daily attendance.

A provider runs a programme (for example two weeks: a week of training, a week of individual
coaching) in sessions of about fifteen people. An applicant is enrolled in a session, attendance is
recorded per day, and completion is recorded once the session is over. Some loan products require a
completed training.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from domain.errors import RuleViolation

MAX_SESSION_CAPACITY = 200
MAX_PROGRAMME_DAYS = 365


def max_session_days(duration_days: int) -> int:
    """The longest session a programme of ``duration_days`` days may have, in calendar days: its
    days plus two weekend days for every five (a 10-day programme runs over at most 14 days)."""
    return duration_days + 2 * -(-duration_days // 5)


# The longest session of any programme (also a database constraint on training_sessions).
MAX_SESSION_DAYS = max_session_days(MAX_PROGRAMME_DAYS)


class EnrolmentStatus(str, Enum):
    """Where an enrolment stands. ``moved`` keeps the history of a person sent to another session."""

    ENROLLED = "enrolled"
    MOVED = "moved"
    COMPLETED = "completed"
    DROPPED = "dropped"


# Enrolments that hold a seat in their session: a moved or dropped person has left it.
SEAT_HOLDING = frozenset({EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED})


@dataclass
class TrainingProgramme:
    """A course a provider runs, with the share of session days a person must attend to complete it.

    ``provider_partner_id``, when given, is the partner (of kind ``training_provider``) running it.
    """

    id: uuid.UUID
    name: str
    provider_name: str
    duration_days: int
    created_at: datetime
    provider_partner_id: uuid.UUID | None = None
    min_attendance_percent: Decimal = Decimal(80)
    active: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.duration_days <= MAX_PROGRAMME_DAYS:
            raise RuleViolation(
                f"must be from 1 to {MAX_PROGRAMME_DAYS} days", code="training.invalid_programme", field="duration_days"
            )
        if not Decimal(0) <= self.min_attendance_percent <= Decimal(100):
            raise RuleViolation(
                "must be between 0 and 100 percent", code="training.invalid_programme", field="min_attendance_percent"
            )


@dataclass
class TrainingSession:
    """One run of a programme (a cohort): its dates, its seats, who trains and where."""

    id: uuid.UUID
    programme_id: uuid.UUID
    starts_on: date
    ends_on: date
    capacity: int
    trainer: str
    location: str
    created_at: datetime
    version: int = 1

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise RuleViolation("must not be before starts_on", code="training.invalid_session", field="ends_on")
        if not 1 <= self.capacity <= MAX_SESSION_CAPACITY:
            raise RuleViolation(
                f"must be from 1 to {MAX_SESSION_CAPACITY} seats", code="training.invalid_session", field="capacity"
            )

    @property
    def length(self) -> int:
        """How many days the session runs, ``starts_on`` and ``ends_on`` included."""
        return (self.ends_on - self.starts_on).days + 1

    @property
    def days(self) -> tuple[date, ...]:
        """The session's days: every date from ``starts_on`` to ``ends_on``, both included."""
        return tuple(self.starts_on + timedelta(days=n) for n in range(self.length))

    def includes(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def seats_left(self, enrolled: int) -> int:
        return max(self.capacity - enrolled, 0)


@dataclass
class Enrolment:
    """A person's place in a session. Moving to another session closes this one as ``moved`` and
    points to the new enrolment, so the history of where the person was is kept."""

    id: uuid.UUID
    session_id: uuid.UUID
    applicant_id: uuid.UUID
    status: EnrolmentStatus
    enrolled_at: datetime
    completed_on: date | None = None
    moved_to_enrolment_id: uuid.UUID | None = None

    @property
    def holds_a_seat(self) -> bool:
        return self.status in SEAT_HOLDING


@dataclass(frozen=True)
class Attendance:
    """Whether the person was there on one day of the session, and which staff member recorded it."""

    enrolment_id: uuid.UUID
    day: date
    present: bool
    recorded_by: uuid.UUID
    recorded_at: datetime
