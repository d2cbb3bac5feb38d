"""Training programmes and sessions, enrolments (and moves between sessions), attendance, completion.

Locks are always taken in the same order — enrolment, then session, then applicant — so that two
use cases running at once never wait on each other in a circle.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.errors import NotFound, RuleViolation
from domain.identity.model import Principal
from domain.ids import new_id
from domain.origination.applicants import Applicant, Stage
from domain.partners.model import EventType
from domain.training.model import Attendance, Enrolment, TrainingProgramme, TrainingSession
from domain.training.policies import (
    check_attendance_day,
    check_session_fits,
    complete,
    enrol,
    move,
    stage_after_completion,
    stage_after_enrolment,
)
from service.training.ports import EnrolmentLine, TrainingUnitOfWork

TRAINING_PROVIDER = "training_provider"


@dataclass(frozen=True, kw_only=True)
class CreateProgramme:
    name: str
    provider_name: str
    duration_days: int
    min_attendance_percent: Decimal = Decimal(80)
    provider_partner_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleSession:
    programme_id: uuid.UUID
    starts_on: date
    ends_on: date
    capacity: int
    trainer: str
    location: str


@dataclass(frozen=True)
class SessionView:
    """A session with the number of seats taken (enrolled or completed) when it was read."""

    session: TrainingSession
    enrolled: int

    @property
    def seats_left(self) -> int:
        return self.session.seats_left(self.enrolled)


@dataclass(frozen=True)
class MovedEnrolment:
    previous: Enrolment
    current: Enrolment


# --- programmes ------------------------------------------------------------------------------------


async def create_programme(cmd: CreateProgramme, *, uow: TrainingUnitOfWork, now: datetime) -> TrainingProgramme:
    programme = TrainingProgramme(
        id=new_id(),
        name=cmd.name.strip(),
        provider_name=cmd.provider_name.strip(),
        duration_days=cmd.duration_days,
        created_at=now,
        provider_partner_id=cmd.provider_partner_id,
        min_attendance_percent=cmd.min_attendance_percent,
    )
    async with uow:
        if cmd.provider_partner_id is not None:
            partner = await uow.partners.get(cmd.provider_partner_id)
            if partner is None:
                raise NotFound("partner not found", code="partner.not_found", field="provider_partner_id")
            if partner.kind != TRAINING_PROVIDER:
                raise RuleViolation(
                    f"the partner is a {partner.kind}, not a {TRAINING_PROVIDER}",
                    code="training.not_a_training_provider",
                    field="provider_partner_id",
                )
        await uow.trainings.add_programme(programme)
        await uow.commit()
    return programme


async def get_programme(programme_id: uuid.UUID, *, uow: TrainingUnitOfWork) -> TrainingProgramme:
    async with uow:
        programme = await uow.trainings.get_programme(programme_id)
    if programme is None:
        raise NotFound("training programme not found", code="training.programme_not_found")
    return programme


async def list_programmes(
    *, uow: TrainingUnitOfWork, after: uuid.UUID | None, limit: int
) -> Sequence[TrainingProgramme]:
    async with uow:
        return await uow.trainings.programmes(after=after, limit=limit)


# --- sessions ---------------------------------------------------------------------------------------


async def schedule_session(cmd: ScheduleSession, *, uow: TrainingUnitOfWork, now: datetime, today: date) -> SessionView:
    """A new session (cohort) of an active programme, no longer than the programme (``today`` is
    the lender's date)."""
    session = TrainingSession(
        id=new_id(),
        programme_id=cmd.programme_id,
        starts_on=cmd.starts_on,
        ends_on=cmd.ends_on,
        capacity=cmd.capacity,
        trainer=cmd.trainer.strip(),
        location=cmd.location.strip(),
        created_at=now,
    )
    async with uow:
        programme = await uow.trainings.get_programme(cmd.programme_id)
        if programme is None:
            raise NotFound("training programme not found", code="training.programme_not_found", field="programme_id")
        if not programme.active:
            raise RuleViolation(
                "the programme is no longer run", code="training.programme_inactive", field="programme_id"
            )
        check_session_fits(session, programme, today=today)
        await uow.trainings.add_session(session)
        await uow.commit()
    return SessionView(session, 0)


async def _session_in(uow: TrainingUnitOfWork, session_id: uuid.UUID, *, for_update: bool = False) -> TrainingSession:
    session = await uow.trainings.get_session(session_id, for_update=for_update)
    if session is None:
        raise NotFound("training session not found", code="training.session_not_found")
    return session


async def get_session(session_id: uuid.UUID, *, uow: TrainingUnitOfWork) -> SessionView:
    async with uow:
        session = await _session_in(uow, session_id)
        return SessionView(session, await uow.trainings.seats_taken(session_id))


async def list_sessions(
    *,
    uow: TrainingUnitOfWork,
    programme_id: uuid.UUID | None,
    starts_from: date | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[SessionView]:
    async with uow:
        found = await uow.trainings.sessions(
            programme_id=programme_id, starts_from=starts_from, after=after, limit=limit
        )
    return [SessionView(session, enrolled) for session, enrolled in found]


# --- enrolments -------------------------------------------------------------------------------------


async def _applicant_in(uow: TrainingUnitOfWork, applicant_id: uuid.UUID, *, field: str | None = None) -> Applicant:
    # Locked: the stage changes in this transaction, and the row carries a version.
    applicant = await uow.applicants.get(applicant_id, for_update=True)
    if applicant is None:
        raise NotFound("applicant not found", code="applicant.not_found", field=field)
    return applicant


async def _advance(uow: TrainingUnitOfWork, applicant: Applicant, stage: Stage) -> None:
    if stage is not applicant.stage:
        await uow.applicants.set_stage(applicant.id, stage)


async def enrol_applicant(
    session_id: uuid.UUID, applicant_id: uuid.UUID, *, uow: TrainingUnitOfWork, now: datetime
) -> Enrolment:
    """Enrol a person in a session: refused when the session is full or the person is in it already.

    The session row is locked before the seats are counted, so two enrolments racing for the last
    seat are taken one after the other: the second finds the session full.
    """
    async with uow:
        session = await _session_in(uow, session_id, for_update=True)
        applicant = await _applicant_in(uow, applicant_id, field="applicant_id")
        enrolment = enrol(
            session,
            applicant.id,
            enrolled=await uow.trainings.seats_taken(session.id),
            existing=await uow.trainings.current_enrolment(session.id, applicant.id),
            now=now,
        )
        await uow.trainings.add_enrolment(enrolment)
        await _advance(uow, applicant, stage_after_enrolment(applicant.stage))
        await uow.partner_events.record(
            applicant.id, EventType.TRAINING_STARTED, on=session.starts_on, at=now, once_per=f"training:{session.id}"
        )
        await uow.commit()
    return enrolment


async def _enrolment_in(uow: TrainingUnitOfWork, enrolment_id: uuid.UUID) -> Enrolment:
    enrolment = await uow.trainings.get_enrolment(enrolment_id, for_update=True)
    if enrolment is None:
        raise NotFound("enrolment not found", code="training.enrolment_not_found")
    return enrolment


async def move_enrolment(
    enrolment_id: uuid.UUID, to_session_id: uuid.UUID, *, uow: TrainingUnitOfWork, now: datetime
) -> MovedEnrolment:
    """Move a person to another session of the programme; the old enrolment stays, marked ``moved``."""
    async with uow:
        enrolment = await _enrolment_in(uow, enrolment_id)
        target = await uow.trainings.get_session(to_session_id, for_update=True)
        if target is None:
            raise NotFound("training session not found", code="training.session_not_found", field="to_session_id")
        current = await _session_in(uow, enrolment.session_id)
        moved_to = move(
            enrolment,
            current,
            target,
            enrolled_in_target=await uow.trainings.seats_taken(target.id),
            existing_in_target=await uow.trainings.current_enrolment(target.id, enrolment.applicant_id),
            now=now,
        )
        await uow.trainings.add_enrolment(moved_to)
        await uow.trainings.save_enrolment(enrolment)
        await uow.commit()
    return MovedEnrolment(previous=enrolment, current=moved_to)


async def list_session_enrolments(session_id: uuid.UUID, *, uow: TrainingUnitOfWork) -> Sequence[EnrolmentLine]:
    """Everyone enrolled in the session, past and present (moved enrolments included)."""
    async with uow:
        await _session_in(uow, session_id)
        return await uow.trainings.enrolments_in_session(session_id)


async def list_applicant_enrolments(applicant_id: uuid.UUID, *, uow: TrainingUnitOfWork) -> Sequence[EnrolmentLine]:
    """The person's training history: every enrolment, moves and completions included."""
    async with uow:
        if await uow.applicants.get(applicant_id) is None:
            raise NotFound("applicant not found", code="applicant.not_found")
        return await uow.trainings.enrolments_of_applicant(applicant_id)


# --- attendance and completion ----------------------------------------------------------------------


async def session_attendance(session_id: uuid.UUID, *, uow: TrainingUnitOfWork) -> Sequence[Attendance]:
    """What is recorded for the session, every enrolment and day (the attendance sheets)."""
    async with uow:
        await _session_in(uow, session_id)
        return await uow.trainings.session_attendance(session_id)


async def record_attendance(
    enrolment_id: uuid.UUID,
    day: date,
    present: bool,
    *,
    actor: Principal,
    uow: TrainingUnitOfWork,
    now: datetime,
    today: date,
) -> Attendance:
    """Record (or correct) whether the person was present on a day of their session."""
    async with uow:
        enrolment = await _enrolment_in(uow, enrolment_id)
        session = await _session_in(uow, enrolment.session_id)
        check_attendance_day(enrolment, session, day, today=today)
        attendance = Attendance(
            enrolment_id=enrolment.id, day=day, present=present, recorded_by=actor.subject_id, recorded_at=now
        )
        await uow.trainings.record_attendance(attendance)
        await uow.commit()
    return attendance


async def complete_enrolment(
    enrolment_id: uuid.UUID, completed_on: date, *, uow: TrainingUnitOfWork, today: date, now: datetime
) -> Enrolment:
    """Record a completed training (enough attendance, session over); the person becomes trained."""
    async with uow:
        enrolment = await _enrolment_in(uow, enrolment_id)
        session = await _session_in(uow, enrolment.session_id)
        programme = await uow.trainings.get_programme(session.programme_id)
        assert programme is not None
        attendance = await uow.trainings.attendance(enrolment.id)
        complete(enrolment, session, programme, attendance, completed_on=completed_on, today=today)
        await uow.trainings.save_enrolment(enrolment)
        applicant = await _applicant_in(uow, enrolment.applicant_id)
        await _advance(uow, applicant, stage_after_completion(applicant.stage))
        await uow.partner_events.record(applicant.id, EventType.TRAINING_COMPLETED, on=completed_on, at=now)
        await uow.commit()
    return enrolment
