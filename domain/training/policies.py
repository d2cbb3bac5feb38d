"""Training rules as pure functions: seats, enrolment, moves, attendance, completion, applicant stage."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.errors import Conflict, RuleViolation
from domain.ids import new_id
from domain.money import RoundingMode, round_figure
from domain.origination.applicants import Stage
from domain.training.model import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    TrainingProgramme,
    TrainingSession,
    max_session_days,
)

# Stages past training: enrolling in, or completing, another training does not send the person back.
_PAST_TRAINING = frozenset({Stage.APPLYING, Stage.FINANCED})


# Sessions are scheduled for the coming cohorts, or recorded for one that has just run.
SCHEDULE_BACK = timedelta(days=366)
SCHEDULE_AHEAD = timedelta(days=2 * 366)


def check_session_fits(session: TrainingSession, programme: TrainingProgramme, *, today: date) -> None:
    """A session lasts no longer than its programme (plus weekends: ``max_session_days``) and
    starts within a year back and two years ahead of ``today``."""
    longest = max_session_days(programme.duration_days)
    if session.length > longest:
        raise RuleViolation(
            f"a session of this {programme.duration_days}-day programme runs over at most {longest} days,"
            f" not {session.length}",
            code="training.session_longer_than_programme",
            field="ends_on",
        )
    if not today - SCHEDULE_BACK <= session.starts_on <= today + SCHEDULE_AHEAD:
        raise RuleViolation(
            f"must be from {today - SCHEDULE_BACK} to {today + SCHEDULE_AHEAD}",
            code="training.session_out_of_range",
            field="starts_on",
        )


def ensure_seat_left(session: TrainingSession, enrolled: int) -> None:
    """A session takes no more people than its capacity (cohorts are sized for the trainer and the room)."""
    if enrolled >= session.capacity:
        raise Conflict(
            f"the session is full: {enrolled} of {session.capacity} seats are taken", code="training.session_full"
        )


def ensure_not_enrolled(session: TrainingSession, existing: Enrolment | None) -> None:
    """A person has one place in a session: a second enrolment in the same session is refused."""
    if existing is not None:
        raise Conflict(
            f"the applicant is already enrolled in session {session.id} (enrolment {existing.id})",
            code="training.already_enrolled",
        )


def ensure_active(enrolment: Enrolment) -> None:
    """Only an ``enrolled`` enrolment takes attendance, moves or completes; the others are history."""
    if enrolment.status is not EnrolmentStatus.ENROLLED:
        raise RuleViolation(
            f"the enrolment is {enrolment.status.value}; only an enrolled one can change",
            code="training.enrolment_not_active",
        )


def enrol(
    session: TrainingSession,
    applicant_id: uuid.UUID,
    *,
    enrolled: int,
    existing: Enrolment | None,
    now: datetime,
) -> Enrolment:
    """Enrol a person in a session that has a seat left and where they are not enrolled yet.

    ``enrolled`` is the number of seats taken, counted while the session is locked so that two
    people cannot both take the last seat.
    """
    ensure_not_enrolled(session, existing)
    ensure_seat_left(session, enrolled)
    return Enrolment(
        id=new_id(), session_id=session.id, applicant_id=applicant_id, status=EnrolmentStatus.ENROLLED, enrolled_at=now
    )


def move(
    enrolment: Enrolment,
    current: TrainingSession,
    target: TrainingSession,
    *,
    enrolled_in_target: int,
    existing_in_target: Enrolment | None,
    now: datetime,
) -> Enrolment:
    """Move a person to another session of the same programme (a later cohort, say).

    The old enrolment is kept, marked ``moved`` and pointing to the new one; the target session must
    have a seat left. Attendance stays with the old enrolment: the new session starts afresh.
    """
    ensure_active(enrolment)
    if target.id == current.id:
        raise RuleViolation(
            "the applicant is already in this session", code="training.same_session", field="to_session_id"
        )
    if target.programme_id != current.programme_id:
        raise RuleViolation(
            "a move stays within the programme; enrol the applicant in the other programme instead",
            code="training.other_programme",
            field="to_session_id",
        )
    moved_to = enrol(target, enrolment.applicant_id, enrolled=enrolled_in_target, existing=existing_in_target, now=now)
    enrolment.status = EnrolmentStatus.MOVED
    enrolment.moved_to_enrolment_id = moved_to.id
    return moved_to


def check_attendance_day(enrolment: Enrolment, session: TrainingSession, day: date, *, today: date) -> None:
    """Attendance is recorded for an enrolled person, on a day of their session that has come."""
    ensure_active(enrolment)
    if not session.includes(day):
        raise RuleViolation(
            f"the session runs from {session.starts_on} to {session.ends_on}",
            code="training.day_outside_session",
            field="day",
        )
    if day > today:
        raise RuleViolation(
            "attendance cannot be recorded ahead of the day", code="training.day_in_future", field="day"
        )


def days_present(session: TrainingSession, attendance: Iterable[Attendance]) -> int:
    """Distinct session days the person was marked present."""
    return len({a.day for a in attendance if a.present and session.includes(a.day)})


def attendance_percent(session: TrainingSession, attendance: Iterable[Attendance]) -> Decimal:
    """The share of the session's days the person attended, in percent, truncated to one decimal.

    Truncated, not rounded, so that the figure shown never reaches a threshold the person missed.
    """
    reached = Decimal(days_present(session, attendance) * 100) / Decimal(session.length)
    return round_figure(reached, 1, RoundingMode.DOWN)


def complete(
    enrolment: Enrolment,
    session: TrainingSession,
    programme: TrainingProgramme,
    attendance: Iterable[Attendance],
    *,
    completed_on: date,
    today: date,
) -> None:
    """Record that the person completed the training.

    A training is completed once its session is over (not before its last day, not in the future),
    by a person who attended at least the programme's ``min_attendance_percent`` of the session's days.
    """
    ensure_active(enrolment)
    if completed_on < session.ends_on:
        raise RuleViolation(
            f"the session runs until {session.ends_on}", code="training.session_not_over", field="completed_on"
        )
    if completed_on > today:
        raise RuleViolation("cannot be in the future", code="training.completion_in_future", field="completed_on")
    records = list(attendance)
    present, total = days_present(session, records), session.length
    # Compared exactly (present / total >= min / 100), not on the truncated figure shown.
    if present * 100 < programme.min_attendance_percent * total:
        raise RuleViolation(
            f"attended {present} of {total} session days ({attendance_percent(session, records)} %); "
            f"the programme requires {programme.min_attendance_percent} %",
            code="training.attendance_too_low",
        )
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_on = completed_on


def stage_after_enrolment(stage: Stage) -> Stage:
    """An enrolled person is in training, unless already further along the path (applying, financed)
    or already trained (a second programme does not undo the first)."""
    if stage in _PAST_TRAINING or stage is Stage.TRAINED:
        return stage
    return Stage.IN_TRAINING


def stage_after_completion(stage: Stage) -> Stage:
    """A person who completes a training is trained, unless already applying or financed."""
    return stage if stage in _PAST_TRAINING else Stage.TRAINED
