"""Training: programmes and their sessions, a session's enrolments (find a person, enrol them), an
attendance sheet per day of the session, and completion. Officers act; all staff read (the API's
guards)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import DomainError, RuleViolation
from domain.identity.model import Principal
from domain.training.model import EnrolmentStatus
from service.kernel.http.guards import ALL_STAFF, OFFICERS, allow
from service.origination.handlers import applicants as people
from service.origination.ports import ApplicantSearch
from service.services import Services
from service.training import handlers as training
from service.ui.forms import Form
from service.ui.pages.fields import required_date, required_text
from service.ui.rendering import page, page_language, see_other

Authed = Request[Principal, Any, Any]
LIST_LIMIT = 100


# --- programmes and sessions ---------------------------------------------------------------------------


async def _training_page(
    request: Authed, services: Services, *, form: Form | None = None, acting: str | None = None, status: int = 200
) -> Template:
    programmes = await training.list_programmes(uow=services.uow(), after=None, limit=LIST_LIMIT)
    sessions = await training.list_sessions(
        uow=services.uow(), programme_id=None, starts_from=None, after=None, limit=LIST_LIMIT
    )
    names = {p.id: p.name for p in programmes}
    return page(
        request,
        "training.html",
        status=status,
        programmes=programmes,
        sessions=sorted(sessions, key=lambda s: s.session.starts_on, reverse=True),
        names=names,
        form=form or Form(),
        acting=acting,
        today=services.today(),
    )


@get("/ui/training", guards=[allow(*ALL_STAFF)])
async def training_page(request: Authed, services: NamedDependency[Services]) -> Template:
    return await _training_page(request, services)


@post("/ui/training/programmes", guards=[allow(*OFFICERS)], status_code=303)
async def create_programme(request: Authed, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        await training.create_programme(
            training.CreateProgramme(
                name=required_text(form, "name"),
                provider_name=required_text(form, "provider_name"),
                duration_days=form.integer("duration_days"),
            ),
            uow=services.uow(),
            now=services.now(),
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _training_page(request, services, form=form, acting="programme", status=422)
    return see_other("/ui/training")


@post("/ui/training/sessions", guards=[allow(*OFFICERS)], status_code=303)
async def schedule_session(request: Authed, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        programme_id = _uuid(form.get("programme_id"), "programme_id")
        view = await training.schedule_session(
            training.ScheduleSession(
                programme_id=programme_id,
                starts_on=required_date(form, "starts_on"),
                ends_on=required_date(form, "ends_on"),
                capacity=form.integer("capacity"),
                trainer=required_text(form, "trainer"),
                location=required_text(form, "location"),
            ),
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _training_page(request, services, form=form, acting="session", status=422)
    return see_other(f"/ui/training/sessions/{view.session.id}")


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise RuleViolation("required", field=field, code="form.required") from None


# --- a session: enrolments, completion ------------------------------------------------------------------


async def _session_page(
    request: Authed, services: Services, session_id: uuid.UUID, *, form: Form | None = None, status: int = 200
) -> Template:
    view = await training.get_session(session_id, uow=services.uow())
    programme = await training.get_programme(view.session.programme_id, uow=services.uow())
    enrolments = await training.list_session_enrolments(session_id, uow=services.uow())
    query = (request.query_params.get("q") or "").strip()
    found = (
        await people.search_applicants(ApplicantSearch(name=query), uow=services.uow(), after=None, limit=20)
        if query
        else []
    )
    session = view.session
    days = [session.starts_on + timedelta(days=n) for n in range((session.ends_on - session.starts_on).days + 1)]
    return page(
        request,
        "training_session.html",
        status=status,
        view=view,
        session=session,
        programme=programme,
        enrolments=enrolments,
        query=query,
        found=found,
        days=days,
        form=form or Form(),
        today=services.today(),
        enrolled_status=EnrolmentStatus.ENROLLED,
    )


@get("/ui/training/sessions/{session_id:uuid}", guards=[allow(*ALL_STAFF)])
async def session_page(request: Authed, session_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    return await _session_page(request, services, session_id)


@post("/ui/training/sessions/{session_id:uuid}/enrolments", guards=[allow(*OFFICERS)], status_code=303)
async def enrol(request: Authed, session_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        applicant_id = _uuid(form.get("applicant_id"), "applicant_id")
        await training.enrol_applicant(session_id, applicant_id, uow=services.uow(), now=services.now())
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _session_page(request, services, session_id, form=form, status=422)
    return see_other(f"/ui/training/sessions/{session_id}")


@post(
    "/ui/training/sessions/{session_id:uuid}/enrolments/{enrolment_id:uuid}/completion",
    guards=[allow(*OFFICERS)],
    status_code=303,
)
async def complete(
    request: Authed, session_id: uuid.UUID, enrolment_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    form = await Form.of(request)
    try:
        await training.complete_enrolment(
            enrolment_id,
            required_date(form, "completed_on"),
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _session_page(request, services, session_id, form=form, status=422)
    return see_other(f"/ui/training/sessions/{session_id}")


# --- the attendance sheet of a day ------------------------------------------------------------------------


async def _sheet(
    request: Authed,
    services: Services,
    session_id: uuid.UUID,
    day: date,
    *,
    form: Form | None = None,
    status: int = 200,
) -> Template:
    view = await training.get_session(session_id, uow=services.uow())
    enrolments = [
        e
        for e in await training.list_session_enrolments(session_id, uow=services.uow())
        if e.enrolment.status is not EnrolmentStatus.MOVED
    ]  # completed ones are shown, not changed
    recorded = {
        a.enrolment_id: a.present
        for a in await training.session_attendance(session_id, uow=services.uow())
        if a.day == day
    }
    return page(
        request,
        "training_attendance.html",
        status=status,
        session=view.session,
        day=day,
        enrolments=enrolments,
        recorded=recorded,
        form=form or Form(),
    )


@get("/ui/training/sessions/{session_id:uuid}/attendance/{day:date}", guards=[allow(*ALL_STAFF)])
async def attendance_sheet(
    request: Authed, session_id: uuid.UUID, day: date, services: NamedDependency[Services]
) -> Template:
    return await _sheet(request, services, session_id, day)


@post("/ui/training/sessions/{session_id:uuid}/attendance/{day:date}", guards=[allow(*OFFICERS)], status_code=303)
async def record_attendance(
    request: Authed, session_id: uuid.UUID, day: date, services: NamedDependency[Services]
) -> Redirect | Template:
    """The sheet as ticked: each person present or absent that day (recording a day again corrects it)."""
    form = await Form.of(request)
    posted = await request.form()
    present = set(posted.getall("present", []))
    try:
        for line in await training.list_session_enrolments(session_id, uow=services.uow()):
            if line.enrolment.status is not EnrolmentStatus.ENROLLED:
                continue  # moved elsewhere, or completed: their attendance is settled
            await training.record_attendance(
                line.enrolment.id,
                day,
                str(line.enrolment.id) in present,
                actor=request.user,
                uow=services.uow(),
                now=services.now(),
                today=services.today(),
            )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _sheet(request, services, session_id, day, form=form, status=422)
    return see_other(f"/ui/training/sessions/{session_id}")


ROUTES = [
    training_page,
    create_programme,
    schedule_session,
    session_page,
    enrol,
    complete,
    attendance_sheet,
    record_attendance,
]
