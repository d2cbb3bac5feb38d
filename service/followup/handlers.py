"""Post-creation follow-up: the plan made at disbursement, outcomes of contacts, unplanned contacts,
an officer's agenda, and survival and jobs reported by product, officer or partner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain.errors import NotFound, RuleViolation
from domain.followup.model import Contact, FollowUpPlan, Outcome, check_contact_date, plan_follow_up
from domain.followup.policies import AGENDA_HORIZON, AgendaStatus, GroupReport, agenda, report
from domain.identity.model import Principal
from domain.ids import new_id
from domain.loans.model import GroupBy, Loan
from domain.partners.model import EventType, checkpoint_reached
from domain.schedules.validation import check_business_date
from service.followup.ports import FollowUpUnitOfWork, LoanBorrower


async def start_follow_up(uow: FollowUpUnitOfWork, loan: Loan) -> FollowUpPlan:
    """Inside the caller's transaction: the loan's plan from its product version's template,
    counted from the project's start date when known, else the disbursement date."""
    version = await uow.products.version(loan.product_id, loan.product_version)
    project = await uow.projects.get(loan.applicant_id)
    plan = plan_follow_up(
        plan_id=new_id(),
        loan_id=loan.id,
        disbursed_on=loan.disbursed_on,
        project_start=project.start_date if project is not None else None,
        offsets_months=version.terms.follow_up_months if version is not None else None,
        officer_id=loan.officer_id,
        new_id=new_id,
    )
    await uow.follow_ups.add_plan(plan)
    return plan


async def _loan(uow: FollowUpUnitOfWork, loan_id: uuid.UUID) -> Loan:
    loan = await uow.loans.get(loan_id)
    if loan is None:
        raise NotFound("loan not found", code="loan.not_found")
    return loan


async def create_plan(loan_id: uuid.UUID, *, uow: FollowUpUnitOfWork) -> FollowUpPlan:
    """The plan of a loan disbursed before plans existed; the existing plan if it has one."""
    async with uow:
        loan = await _loan(uow, loan_id)
        existing = await uow.follow_ups.plan_for_loan(loan_id)
        if existing is not None:
            return existing
        plan = await start_follow_up(uow, loan)
        await uow.commit()
    return plan


async def follow_up_plan(loan_id: uuid.UUID, *, uow: FollowUpUnitOfWork) -> FollowUpPlan:
    async with uow:
        plan = await uow.follow_ups.plan_for_loan(loan_id)
        if plan is None:
            await _loan(uow, loan_id)
            raise NotFound("this loan has no follow-up plan", code="followup.no_plan")
    return plan


async def record_outcome(
    contact_id: uuid.UUID, outcome: Outcome, *, actor: Principal, uow: FollowUpUnitOfWork, now: datetime, today: date
) -> Contact:
    """The outcome of a planned contact, once (a second one is a 409)."""
    async with uow:
        contact = await uow.follow_ups.get_contact(contact_id, for_update=True)
        if contact is None:
            raise NotFound("follow-up contact not found", code="followup.contact_not_found")
        loan = await _loan(uow, contact.loan_id)
        done = contact.record(outcome, earliest=loan.disbursed_on, today=today)
        await uow.follow_ups.record_outcome(done, recorded_by=actor.subject_id, at=now)
        await _tell_partners(uow, loan, outcome, now)
        await uow.commit()
    return done


async def _tell_partners(uow: FollowUpUnitOfWork, loan: Loan, outcome: Outcome, now: datetime) -> None:
    """The referring partners hear how the business is doing at 6, 12, 24 and 36 months after its
    start: the first outcome recorded for each anniversary (never revenue, jobs or difficulties)."""
    plan = await uow.follow_ups.plan_for_loan(loan.id)
    months = checkpoint_reached(plan.start_on, outcome.contacted_on) if plan else None
    if months is None:
        return
    await uow.partner_events.record(
        loan.applicant_id,
        EventType.BUSINESS_CHECKPOINT,
        on=outcome.contacted_on,
        at=now,
        details={"months": months, "business_status": outcome.business_status.value},
        once_per=f"business:{loan.id}:{months}",
    )


async def assign_contact(
    contact_id: uuid.UUID, *, officer_id: uuid.UUID | None, mentor_name: str | None, uow: FollowUpUnitOfWork
) -> Contact:
    """Hand a contact not yet done to an officer (an active staff member) or a volunteer mentor."""
    async with uow:
        contact = await uow.follow_ups.get_contact(contact_id, for_update=True)
        if contact is None:
            raise NotFound("follow-up contact not found", code="followup.contact_not_found")
        if officer_id is not None:
            officer = await uow.staff_users.get(officer_id)
            if officer is None or not officer.active:
                raise RuleViolation(
                    "no active staff member has this id", code="followup.unknown_officer", field="officer_id"
                )
        assigned = contact.assign(officer_id=officer_id, mentor_name=mentor_name)
        await uow.follow_ups.assign(assigned)
        await uow.commit()
    return assigned


@dataclass(frozen=True, kw_only=True)
class AddUnplannedContact:
    loan_id: uuid.UUID
    outcome: Outcome
    mentor_name: str | None = None  # None: the officer recording it held the contact


async def add_unplanned_contact(
    cmd: AddUnplannedContact, *, actor: Principal, uow: FollowUpUnitOfWork, now: datetime, today: date
) -> Contact:
    """A contact outside the plan, recorded with its outcome (the plan is made first if missing)."""
    async with uow:
        loan = await _loan(uow, cmd.loan_id)
        check_contact_date(cmd.outcome.contacted_on, earliest=loan.disbursed_on, today=today)
        plan = await uow.follow_ups.plan_for_loan(loan.id, for_update=True)
        if plan is None:
            await start_follow_up(uow, loan)
            plan = await uow.follow_ups.plan_for_loan(loan.id, for_update=True)
            assert plan is not None
        contact = Contact(
            id=new_id(),
            plan_id=plan.id,
            loan_id=loan.id,
            number=max((c.number for c in plan.contacts), default=0) + 1,
            due_on=None,
            officer_id=None if cmd.mentor_name else actor.subject_id,
            mentor_name=cmd.mentor_name,
            outcome=cmd.outcome,
        )
        await uow.follow_ups.add_contact(contact, recorded_by=actor.subject_id, at=now)
        await _tell_partners(uow, loan, cmd.outcome, now)
        await uow.commit()
    return contact


@dataclass(frozen=True)
class OfficerAgenda:
    """The contacts by status, with who each borrower is (name and phone to call) and the officer's name."""

    officer_name: str | None
    contacts: dict[AgendaStatus, list[Contact]]
    borrowers: Mapping[uuid.UUID, LoanBorrower]


async def officer_agenda(officer_id: uuid.UUID, on: date, *, uow: FollowUpUnitOfWork) -> OfficerAgenda:
    """Due (in the next 30 days), overdue and done (in the last 30 days) contacts of an officer."""
    check_business_date(on, "on")  # its 30-day windows then never leave the calendar
    async with uow:
        contacts = await uow.follow_ups.agenda_contacts(
            officer_id, due_until=on + AGENDA_HORIZON, done_from=on - AGENDA_HORIZON
        )
        borrowers = await uow.follow_ups.borrowers_of_loans([c.loan_id for c in contacts])
        officer = await uow.staff_users.get(officer_id)
    return OfficerAgenda(officer.full_name if officer else None, agenda(contacts, on), borrowers)


@dataclass(frozen=True)
class FollowUpReport:
    groups: list[GroupReport]
    names: Mapping[uuid.UUID, str]


async def follow_up_report(group_by: GroupBy, on: date, *, uow: FollowUpUnitOfWork) -> FollowUpReport:
    check_business_date(on, "on")  # anniversaries counted from it then never leave the calendar
    async with uow:
        facts = await uow.follow_ups.report_facts(group_by)
        names = await uow.follow_ups.group_names(group_by, [key for key, _ in facts if key is not None])
    return FollowUpReport(report(facts, on), names)
