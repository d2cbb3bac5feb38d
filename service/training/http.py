"""Routes for training programmes, their sessions, enrolments, attendance and completion (staff only)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.types import ControllerRouterHandler

from domain.identity.model import Role
from domain.training.model import (
    MAX_PROGRAMME_DAYS,
    MAX_SESSION_CAPACITY,
    Attendance,
    Enrolment,
    EnrolmentStatus,
    TrainingProgramme,
)
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import NonEmptyText, Page, next_cursor, published_as
from service.kernel.http.wire import DecimalString, decimal_of, text
from service.services import Services
from service.training import handlers as uc
from service.training.ports import EnrolmentLine

Limit = Annotated[int, Parameter(ge=1, le=200, description="page size")]
WRITERS = (Role.ADMIN, Role.LOAN_OFFICER)


# --- schemas --------------------------------------------------------------------------------------
class CreateTrainingProgrammeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A course a provider runs. ``min_attendance_percent`` of a session's days completes it."""

    name: NonEmptyText
    provider_name: NonEmptyText
    provider_partner_id: uuid.UUID | None = None
    duration_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_PROGRAMME_DAYS)]
    min_attendance_percent: DecimalString = "80"


class TrainingProgrammeResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    provider_name: str
    provider_partner_id: uuid.UUID | None
    duration_days: int
    min_attendance_percent: str
    active: bool
    created_at: datetime


class CreateTrainingSessionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A session (cohort) of a programme, from ``starts_on`` to ``ends_on`` inclusive."""

    programme_id: uuid.UUID
    starts_on: date
    ends_on: date
    capacity: Annotated[int, msgspec.Meta(ge=1, le=MAX_SESSION_CAPACITY)]
    trainer: NonEmptyText
    location: NonEmptyText


class TrainingSessionResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    programme_id: uuid.UUID
    starts_on: date
    ends_on: date
    capacity: int
    trainer: str
    location: str
    enrolled: int
    seats_left: int
    created_at: datetime
    version: int


class EnrolApplicantRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    applicant_id: uuid.UUID


class MoveEnrolmentRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Move the person to another session of the same programme that has a seat left."""

    to_session_id: uuid.UUID


class RecordAttendanceRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    present: bool


class CompleteEnrolmentRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    completed_on: date


class EnrolmentResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    session_id: uuid.UUID
    applicant_id: uuid.UUID
    status: EnrolmentStatus
    enrolled_at: datetime
    completed_on: date | None
    moved_to_enrolment_id: uuid.UUID | None


class EnrolmentLineResponse(EnrolmentResponse, frozen=True):
    """An enrolment in a list, with the person's name and phone and the session's programme and dates."""

    applicant_name: str
    applicant_phone: str | None
    programme_id: uuid.UUID
    programme_name: str
    session_starts_on: date
    session_ends_on: date


class EnrolmentMoveResponse(msgspec.Struct, frozen=True):
    """The enrolment left behind (``moved``) and the new one in the target session."""

    previous: EnrolmentResponse
    current: EnrolmentResponse


class AttendanceResponse(msgspec.Struct, frozen=True):
    enrolment_id: uuid.UUID
    day: date
    present: bool
    recorded_by: uuid.UUID
    recorded_at: datetime


def attendance_out(a: Attendance) -> AttendanceResponse:
    return AttendanceResponse(
        enrolment_id=a.enrolment_id, day=a.day, present=a.present, recorded_by=a.recorded_by, recorded_at=a.recorded_at
    )


def programme_out(p: TrainingProgramme) -> TrainingProgrammeResponse:
    return TrainingProgrammeResponse(
        id=p.id,
        name=p.name,
        provider_name=p.provider_name,
        provider_partner_id=p.provider_partner_id,
        duration_days=p.duration_days,
        min_attendance_percent=text(p.min_attendance_percent),
        active=p.active,
        created_at=p.created_at,
    )


def session_out(view: uc.SessionView) -> TrainingSessionResponse:
    s = view.session
    return TrainingSessionResponse(
        id=s.id,
        programme_id=s.programme_id,
        starts_on=s.starts_on,
        ends_on=s.ends_on,
        capacity=s.capacity,
        trainer=s.trainer,
        location=s.location,
        enrolled=view.enrolled,
        seats_left=view.seats_left,
        created_at=s.created_at,
        version=s.version,
    )


def enrolment_out(e: Enrolment) -> EnrolmentResponse:
    return EnrolmentResponse(
        id=e.id,
        session_id=e.session_id,
        applicant_id=e.applicant_id,
        status=e.status,
        enrolled_at=e.enrolled_at,
        completed_on=e.completed_on,
        moved_to_enrolment_id=e.moved_to_enrolment_id,
    )


def enrolment_line_out(line: EnrolmentLine) -> EnrolmentLineResponse:
    e = enrolment_out(line.enrolment)
    return EnrolmentLineResponse(
        **{name: getattr(e, name) for name in EnrolmentResponse.__struct_fields__},
        applicant_name=line.applicant_name,
        applicant_phone=line.applicant_phone,
        programme_id=line.programme_id,
        programme_name=line.programme_name,
        session_starts_on=line.starts_on,
        session_ends_on=line.ends_on,
    )


# --- controllers ----------------------------------------------------------------------------------
class TrainingProgrammeController(Controller):
    path = "/v1/training-programmes"
    tags = ["training"]

    @post(
        "/",
        guards=[allow(*WRITERS)],
        operation_id="createTrainingProgramme",
        summary="Register a training programme run by a provider",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def create(
        self, data: JSONBody[CreateTrainingProgrammeRequest], services: NamedDependency[Services]
    ) -> TrainingProgrammeResponse:
        """Registers a programme run by a partner of the training-provider kind."""
        cmd = uc.CreateProgramme(
            name=data.name,
            provider_name=data.provider_name,
            provider_partner_id=data.provider_partner_id,
            duration_days=data.duration_days,
            min_attendance_percent=decimal_of(
                data.min_attendance_percent, "min_attendance_percent", low=Decimal(0), high=Decimal(100)
            ),
        )
        return programme_out(await uc.create_programme(cmd, uow=services.uow(), now=services.now()))

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="listTrainingProgrammes",
        summary="List training programmes",
        responses=problems(400, 401, 403),
    )
    async def list_all(
        self, services: NamedDependency[Services], cursor: uuid.UUID | None = None, limit: Limit = 50
    ) -> TrainingProgrammePage:
        """Training programmes with their provider and duration, a page at a time with `cursor` and
        `limit`."""
        found = list(await uc.list_programmes(uow=services.uow(), after=cursor, limit=limit))
        return Page(items=[programme_out(p) for p in found], next_cursor=next_cursor([p.id for p in found], limit))

    @get(
        "/{programme_id:uuid}",
        guards=[allow(*ALL_STAFF)],
        operation_id="getTrainingProgramme",
        summary="Read a training programme",
        responses=problems(400, 401, 403, 404),
    )
    async def read(self, programme_id: uuid.UUID, services: NamedDependency[Services]) -> TrainingProgrammeResponse:
        """The programme with its provider, duration and attendance threshold."""
        return programme_out(await uc.get_programme(programme_id, uow=services.uow()))


# The published names of the pages (see ``published_as``).
TrainingProgrammePage = Annotated[
    Page[TrainingProgrammeResponse], published_as("Page_service.api.training.TrainingProgrammeResponse_")
]
TrainingSessionPage = Annotated[
    Page[TrainingSessionResponse], published_as("Page_service.api.training.TrainingSessionResponse_")
]


class TrainingSessionController(Controller):
    path = "/v1/training-sessions"
    tags = ["training"]

    @post(
        "/",
        guards=[allow(*WRITERS)],
        operation_id="createTrainingSession",
        summary="Schedule a session (cohort) of a training programme",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def create(
        self, data: JSONBody[CreateTrainingSessionRequest], services: NamedDependency[Services]
    ) -> TrainingSessionResponse:
        """Schedules a cohort of a programme with its dates, capacity, trainer and place."""
        cmd = uc.ScheduleSession(
            programme_id=data.programme_id,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            capacity=data.capacity,
            trainer=data.trainer,
            location=data.location,
        )
        return session_out(
            await uc.schedule_session(cmd, uow=services.uow(), now=services.now(), today=services.today())
        )

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="listTrainingSessions",
        summary="List training sessions, by programme or from a start date, with their seats left",
        responses=problems(400, 401, 403),
    )
    async def list_all(
        self,
        services: NamedDependency[Services],
        programme_id: uuid.UUID | None = None,
        starts_from: Annotated[
            date | None, Parameter(description="only sessions starting on or after this date")
        ] = None,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> TrainingSessionPage:
        """Sessions with their dates, trainer, place and seats left, a page at a time with `cursor` and
        `limit`."""
        found = list(
            await uc.list_sessions(
                uow=services.uow(), programme_id=programme_id, starts_from=starts_from, after=cursor, limit=limit
            )
        )
        return Page(
            items=[session_out(v) for v in found], next_cursor=next_cursor([v.session.id for v in found], limit)
        )

    @get(
        "/{session_id:uuid}",
        guards=[allow(*ALL_STAFF)],
        operation_id="getTrainingSession",
        summary="Read a training session with its enrolled count and seats left",
        responses=problems(400, 401, 403, 404),
    )
    async def read(self, session_id: uuid.UUID, services: NamedDependency[Services]) -> TrainingSessionResponse:
        """The session with its dates, capacity, enrolled count and seats left."""
        return session_out(await uc.get_session(session_id, uow=services.uow()))

    @post(
        "/{session_id:uuid}/enrolments",
        guards=[allow(*WRITERS)],
        operation_id="enrolApplicant",
        summary="Enrol an applicant in a session (409 when it is full or they are in it already)",
        responses=problems(400, 401, 403, 404, 409),
    )
    async def enrol(
        self, session_id: uuid.UUID, data: JSONBody[EnrolApplicantRequest], services: NamedDependency[Services]
    ) -> EnrolmentResponse:
        """Enrols an applicant in a session with seats left; 409 when it is full or the person is enrolled
        already."""
        return enrolment_out(
            await uc.enrol_applicant(session_id, data.applicant_id, uow=services.uow(), now=services.now())
        )

    @get(
        "/{session_id:uuid}/enrolments",
        guards=[allow(*ALL_STAFF)],
        operation_id="listSessionEnrolments",
        summary="List a session's enrolments, moved ones included",
        responses=problems(400, 401, 403, 404),
    )
    async def list_enrolments(
        self, session_id: uuid.UUID, services: NamedDependency[Services]
    ) -> list[EnrolmentLineResponse]:
        """The session's enrolments with each person's name and attendance, moved ones included."""
        return [enrolment_line_out(e) for e in await uc.list_session_enrolments(session_id, uow=services.uow())]

    @get(
        "/{session_id:uuid}/attendance",
        guards=[allow(*ALL_STAFF)],
        operation_id="listSessionAttendance",
        summary="The session's attendance sheets: who was present or absent on each day recorded",
        responses=problems(400, 401, 403, 404),
    )
    async def list_attendance(
        self, session_id: uuid.UUID, services: NamedDependency[Services]
    ) -> list[AttendanceResponse]:
        """Every attendance line recorded for the session's enrolments, day by day: the sheet the
        officer fills in and prints."""
        return [attendance_out(a) for a in await uc.session_attendance(session_id, uow=services.uow())]


class EnrolmentController(Controller):
    path = "/v1"
    tags = ["training"]

    @post(
        "/enrolments/{enrolment_id:uuid}/move",
        guards=[allow(*WRITERS)],
        operation_id="moveEnrolment",
        summary="Move an applicant to another session of the programme (the old enrolment is kept as moved)",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def move(
        self, enrolment_id: uuid.UUID, data: JSONBody[MoveEnrolmentRequest], services: NamedDependency[Services]
    ) -> EnrolmentMoveResponse:
        """Moves the person to another session of the same programme with seats left; the old enrolment
        stays, marked moved."""
        moved = await uc.move_enrolment(enrolment_id, data.to_session_id, uow=services.uow(), now=services.now())
        return EnrolmentMoveResponse(previous=enrolment_out(moved.previous), current=enrolment_out(moved.current))

    @put(
        "/enrolments/{enrolment_id:uuid}/attendance/{day:date}",
        guards=[allow(*WRITERS)],
        operation_id="recordAttendance",
        summary="Record or correct an applicant's attendance on a day of their session",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def record_attendance(
        self,
        enrolment_id: uuid.UUID,
        day: date,
        data: JSONBody[RecordAttendanceRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> AttendanceResponse:
        """Sets whether the person attended on that day of the session; days in the future are refused."""
        a = await uc.record_attendance(
            enrolment_id,
            day,
            data.present,
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
        return attendance_out(a)

    @post(
        "/enrolments/{enrolment_id:uuid}/completion",
        guards=[allow(*WRITERS)],
        operation_id="completeEnrolment",
        summary="Record that an applicant completed the training (attendance threshold met, session over)",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def complete(
        self, enrolment_id: uuid.UUID, data: JSONBody[CompleteEnrolmentRequest], services: NamedDependency[Services]
    ) -> EnrolmentResponse:
        """Marks the training completed once the session is over and the attendance reaches the programme's
        threshold."""
        return enrolment_out(
            await uc.complete_enrolment(
                enrolment_id, data.completed_on, uow=services.uow(), today=services.today(), now=services.now()
            )
        )

    @get(
        "/applicants/{applicant_id:uuid}/enrolments",
        guards=[allow(*ALL_STAFF)],
        operation_id="listApplicantEnrolments",
        opt=audited("applicant_enrolments"),
        summary="An applicant's training history: every enrolment, moves and completions included",
        responses=problems(400, 401, 403, 404),
    )
    async def list_for_applicant(
        self, applicant_id: uuid.UUID, services: NamedDependency[Services]
    ) -> list[EnrolmentLineResponse]:
        """Every enrolment of the person, with attendance and completion, including moved ones."""
        return [enrolment_line_out(e) for e in await uc.list_applicant_enrolments(applicant_id, uow=services.uow())]


def routes() -> list[ControllerRouterHandler]:
    """What the app mounts for this context."""
    return [TrainingProgrammeController, TrainingSessionController, EnrolmentController]
