"""Post-creation follow-up routes: a loan's plan and contacts, outcomes, unplanned contacts, an
officer's agenda, and business survival and jobs created by product, officer or partner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.types import ControllerRouterHandler

from domain.errors import RuleViolation
from domain.followup.model import (
    BusinessStatus,
    Contact,
    FollowUpAction,
    FollowUpPlan,
    Outcome,
    RevenueBand,
    StartSource,
)
from domain.followup.policies import AgendaStatus, GroupReport
from domain.loans.model import GroupBy
from service.followup import handlers as uc
from service.followup.ports import LoanBorrower
from service.kernel.http.guards import ALL_STAFF, OFFICERS, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import NonEmptyText
from service.services import Services

Difficulties = Annotated[str, msgspec.Meta(max_length=2000)]
Jobs = Annotated[int, msgspec.Meta(ge=0, le=1000)]
Actions = Annotated[list[FollowUpAction], msgspec.Meta(max_length=3)]


class RecordOutcomeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the contact found. ``jobs_created`` is the total so far, not counting the borrower."""

    contacted_on: date
    business_status: BusinessStatus
    revenue_band: RevenueBand
    jobs_created: Jobs
    difficulties: Difficulties = ""
    actions: Actions = msgspec.field(default_factory=list)


class AddContactRequest(RecordOutcomeRequest, kw_only=True, forbid_unknown_fields=True):
    """An unplanned contact with its outcome; held by ``mentor_name`` if given, else by the caller."""

    mentor_name: NonEmptyText | None = None


class OutcomeOut(msgspec.Struct, frozen=True):
    contacted_on: date
    business_status: BusinessStatus
    revenue_band: RevenueBand
    jobs_created: int
    difficulties: str
    actions: list[FollowUpAction]


class ContactResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    loan_id: uuid.UUID
    number: int
    planned: bool
    due_on: date | None
    officer_id: uuid.UUID | None
    mentor_name: str | None
    version: int
    outcome: OutcomeOut | None


class FollowUpPlanResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    loan_id: uuid.UUID
    start_on: date
    start_source: StartSource
    offsets_months: list[int]
    contacts: list[ContactResponse]


class AgendaContactOut(ContactResponse, frozen=True):
    """A contact on the agenda with the borrower to call (``applicant_id``, name and phone)."""

    applicant_id: uuid.UUID | None
    borrower_name: str | None
    borrower_phone: str | None


class AgendaResponse(msgspec.Struct, frozen=True):
    """Overdue (due before ``on``, no outcome), due (in the 30 days from ``on``) and done (outcome
    recorded in the 30 days before ``on``) contacts of an officer."""

    officer_id: uuid.UUID
    officer_name: str | None
    on: date
    overdue: list[AgendaContactOut]
    due: list[AgendaContactOut]
    done: list[AgendaContactOut]


class SurvivalOut(msgspec.Struct, frozen=True):
    """Of the ``eligible`` businesses started at least ``years`` ago: alive at the anniversary,
    seen closed before it, or not seen since; ``rate`` = surviving / eligible (null with none)."""

    years: int
    eligible: int
    surviving: int
    closed: int
    unknown: int
    rate: str | None


class ReportGroupOut(msgspec.Struct, frozen=True):
    """``key`` is the product's, officer's or partner's id (null: no partner), ``name`` its name."""

    key: uuid.UUID | None
    name: str | None
    businesses: int
    survival: list[SurvivalOut]
    jobs_created: int


class FollowUpReportResponse(msgspec.Struct, frozen=True):
    group_by: GroupBy
    on: date
    groups: list[ReportGroupOut]


def _outcome(data: RecordOutcomeRequest) -> Outcome:
    if len(set(data.actions)) != len(data.actions):
        raise RuleViolation("each action at most once", code="followup.invalid_outcome", field="actions")
    return Outcome(
        contacted_on=data.contacted_on,
        business_status=data.business_status,
        revenue_band=data.revenue_band,
        jobs_created=data.jobs_created,
        difficulties=data.difficulties,
        actions=frozenset(data.actions),
    )


def contact_response(contact: Contact) -> ContactResponse:
    o = contact.outcome
    return ContactResponse(
        id=contact.id,
        loan_id=contact.loan_id,
        number=contact.number,
        planned=contact.planned,
        due_on=contact.due_on,
        officer_id=contact.officer_id,
        mentor_name=contact.mentor_name,
        version=contact.version,
        outcome=None
        if o is None
        else OutcomeOut(
            contacted_on=o.contacted_on,
            business_status=o.business_status,
            revenue_band=o.revenue_band,
            jobs_created=o.jobs_created,
            difficulties=o.difficulties,
            actions=sorted(o.actions),
        ),
    )


def plan_response(plan: FollowUpPlan) -> FollowUpPlanResponse:
    return FollowUpPlanResponse(
        id=plan.id,
        loan_id=plan.loan_id,
        start_on=plan.start_on,
        start_source=plan.start_source,
        offsets_months=list(plan.offsets_months),
        contacts=[contact_response(c) for c in plan.contacts],
    )


def agenda_contact(contact: Contact, borrower: LoanBorrower | None) -> AgendaContactOut:
    fields = {name: getattr(contact_response(contact), name) for name in ContactResponse.__struct_fields__}
    return AgendaContactOut(
        **fields,
        applicant_id=borrower.applicant_id if borrower else None,
        borrower_name=borrower.full_name if borrower else None,
        borrower_phone=borrower.phone if borrower else None,
    )


def _group(group: GroupReport, names: Mapping[uuid.UUID, str]) -> ReportGroupOut:
    key = group.key if isinstance(group.key, uuid.UUID) else None
    return ReportGroupOut(
        key=key,
        name=names.get(key) if key else None,
        businesses=group.businesses,
        survival=[
            SurvivalOut(
                years=s.years,
                eligible=s.eligible,
                surviving=s.surviving,
                closed=s.closed,
                unknown=s.unknown,
                rate=None if s.rate is None else str(s.rate),
            )
            for s in group.survival
        ],
        jobs_created=group.jobs_created,
    )


class LoanFollowUpController(Controller):
    path = "/v1/loans"
    tags = ["follow-up"]

    @get(
        "/{loan_id:uuid}/follow-up",
        guards=[allow(*ALL_STAFF)],
        operation_id="getLoanFollowUp",
        summary="The loan's follow-up plan with its planned and unplanned contacts and their outcomes",
        responses=problems(400, 401, 403, 404),
    )
    async def plan(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> FollowUpPlanResponse:
        """The follow-up plan made at the first disbursement, each contact with its officer or mentor and
        its outcome."""
        return plan_response(await uc.follow_up_plan(loan_id, uow=services.uow()))

    @post(
        "/{loan_id:uuid}/follow-up/contacts",
        guards=[allow(*OFFICERS)],
        operation_id="addFollowUpContact",
        summary="Record an unplanned follow-up contact with its outcome",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def add_contact(
        self,
        loan_id: uuid.UUID,
        data: JSONBody[AddContactRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ContactResponse:
        """Adds a contact that was not planned, with its outcome, to the loan's follow-up."""
        contact = await uc.add_unplanned_contact(
            uc.AddUnplannedContact(loan_id=loan_id, outcome=_outcome(data), mentor_name=data.mentor_name),
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
        return contact_response(contact)


class AssignContactRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Exactly one of ``officer_id`` and ``mentor_name``."""

    officer_id: uuid.UUID | None = None
    mentor_name: NonEmptyText | None = None


class FollowUpContactController(Controller):
    path = "/v1/follow-up-contacts"
    tags = ["follow-up"]

    @post(
        "/{contact_id:uuid}/assignment",
        guards=[allow(*OFFICERS)],
        operation_id="assignFollowUpContact",
        summary="Hand a contact not yet done to another officer or to a volunteer mentor",
        responses=problems(400, 401, 403, 404, 409, 422),
        status_code=200,
    )
    async def assign(
        self, contact_id: uuid.UUID, data: JSONBody[AssignContactRequest], services: NamedDependency[Services]
    ) -> ContactResponse:
        """Gives a contact that is not done yet to an active officer or a volunteer mentor, never both."""
        contact = await uc.assign_contact(
            contact_id, officer_id=data.officer_id, mentor_name=data.mentor_name, uow=services.uow()
        )
        return contact_response(contact)

    @post(
        "/{contact_id:uuid}/outcome",
        guards=[allow(*OFFICERS)],
        operation_id="recordFollowUpOutcome",
        summary="Record the outcome of a planned contact (once: a second outcome is a 409)",
        responses=problems(400, 401, 403, 404, 409, 422),
        status_code=200,
    )
    async def record_outcome(
        self,
        contact_id: uuid.UUID,
        data: JSONBody[RecordOutcomeRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> ContactResponse:
        """Records the business status, revenue band, jobs created, difficulties and actions decided for a
        planned contact."""
        contact = await uc.record_outcome(
            contact_id,
            _outcome(data),
            actor=request.user,
            uow=services.uow(),
            now=services.now(),
            today=services.today(),
        )
        return contact_response(contact)


class FollowUpController(Controller):
    path = "/v1/follow-up"
    tags = ["follow-up"]

    @get(
        "/agenda",
        guards=[allow(*ALL_STAFF)],
        operation_id="getFollowUpAgenda",
        summary="An officer's follow-up agenda: overdue, due and done contacts (the caller's by default)",
        responses=problems(400, 401, 403, 422),
    )
    async def agenda(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        officer_id: Annotated[uuid.UUID | None, QueryParameter(description="the caller by default")] = None,
        on: Annotated[date | None, QueryParameter(description="today by default")] = None,
    ) -> AgendaResponse:
        """Contacts overdue, due in the period and done, for an officer (the caller by default), each with
        the borrower's name and phone."""
        officer = officer_id or request.user.subject_id
        day = on or services.today()
        found = await uc.officer_agenda(officer, day, uow=services.uow())

        def out(status: AgendaStatus) -> list[AgendaContactOut]:
            return [agenda_contact(c, found.borrowers.get(c.loan_id)) for c in found.contacts[status]]

        return AgendaResponse(
            officer_id=officer,
            officer_name=found.officer_name,
            on=day,
            overdue=out(AgendaStatus.OVERDUE),
            due=out(AgendaStatus.DUE),
            done=out(AgendaStatus.DONE),
        )

    @get(
        "/report",
        guards=[allow(*ALL_STAFF)],
        operation_id="getFollowUpReport",
        summary="Business survival at 1, 2 and 3 years and jobs created, by product, officer or partner",
        responses=problems(400, 401, 403, 422),
    )
    async def report(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        group_by: Annotated[GroupBy, QueryParameter(description="product by default")] = GroupBy.PRODUCT,
        on: Annotated[date | None, QueryParameter(description="today by default")] = None,
    ) -> FollowUpReportResponse:
        """Share of businesses still active at 1, 2 and 3 years after they started, with jobs created, by
        the chosen group."""
        day = on or services.today()
        found = await uc.follow_up_report(group_by, day, uow=services.uow())
        return FollowUpReportResponse(group_by=group_by, on=day, groups=[_group(g, found.names) for g in found.groups])


def routes() -> list[ControllerRouterHandler]:
    """What the app mounts for this context."""
    return [LoanFollowUpController, FollowUpContactController, FollowUpController]
