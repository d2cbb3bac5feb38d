"""Follow-up plans and contacts in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, String, Table, Uuid, and_, column, insert, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict
from domain.followup.model import (
    BusinessStatus,
    Contact,
    FollowUpAction,
    FollowUpPlan,
    Outcome,
    RevenueBand,
    StartSource,
)
from domain.followup.policies import BusinessFacts
from domain.loans.model import GroupBy
from service.followup.ports import LoanBorrower
from service.followup.tables import FollowUpContactRow, FollowUpPlanRow

# Other contexts' tables, read here by name for a few columns and never written: Core references,
# so that this context imports none of their code (README, "Where things live").
_applicants = table(
    "applicants",
    column("id", Uuid),
    column("full_name", String),
    column("phone", String),
    column("search_name", String),
)
_loans = table(
    "loans",
    column("id", Uuid),
    column("applicant_id", Uuid),
    column("product_id", Uuid),
    column("officer_id", Uuid),
    column("partner_id", Uuid),
)
_loan_products = table("loan_products", column("id", Uuid), column("name", String))
_staff_users = table("staff_users", column("id", Uuid), column("full_name", String))
_partners = table("partners", column("id", Uuid), column("name", String))

PLANS: Table = FollowUpPlanRow.__table__  # type: ignore[assignment]
CONTACTS: Table = FollowUpContactRow.__table__  # type: ignore[assignment]


def _outcome(row: Row[Any]) -> Outcome | None:
    if row.contacted_on is None:
        return None
    assert row.business_status is not None and row.revenue_band is not None and row.jobs_created is not None
    return Outcome(
        contacted_on=row.contacted_on,
        business_status=BusinessStatus(row.business_status),
        revenue_band=RevenueBand(row.revenue_band),
        jobs_created=row.jobs_created,
        difficulties=row.difficulties or "",
        actions=frozenset(FollowUpAction(a) for a in row.actions or ()),
    )


def _contact(row: Row[Any]) -> Contact:
    return Contact(
        id=row.id,
        plan_id=row.plan_id,
        loan_id=row.loan_id,
        number=row.number,
        due_on=row.due_on,
        officer_id=row.officer_id,
        mentor_name=row.mentor_name,
        outcome=_outcome(row),
        version=row.version,
    )


def _outcome_values(outcome: Outcome, recorded_by: uuid.UUID, at: datetime) -> dict[str, object]:
    return {
        "contacted_on": outcome.contacted_on,
        "business_status": outcome.business_status.value,
        "revenue_band": outcome.revenue_band.value,
        "jobs_created": outcome.jobs_created,
        "difficulties": outcome.difficulties,
        "actions": sorted(a.value for a in outcome.actions),
        "recorded_by": recorded_by,
        "recorded_at": at,
    }


class SqlFollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_plan(self, plan: FollowUpPlan) -> None:
        await self.session.execute(
            insert(PLANS).values(
                id=plan.id,
                loan_id=plan.loan_id,
                start_on=plan.start_on,
                start_source=plan.start_source.value,
                offsets_months=list(plan.offsets_months),
            )
        )
        if plan.contacts:
            await self.session.execute(
                insert(CONTACTS),
                [
                    {
                        "id": contact.id,
                        "plan_id": plan.id,
                        "loan_id": plan.loan_id,
                        "number": contact.number,
                        "due_on": contact.due_on,
                        "officer_id": contact.officer_id,
                        "mentor_name": contact.mentor_name,
                        "version": contact.version,
                    }
                    for contact in plan.contacts
                ],
            )

    async def plan_for_loan(self, loan_id: uuid.UUID, *, for_update: bool = False) -> FollowUpPlan | None:
        query = select(PLANS).where(PLANS.c.loan_id == loan_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        contacts = await self.session.execute(
            select(CONTACTS).where(CONTACTS.c.plan_id == row.id).order_by(CONTACTS.c.number)
        )
        return FollowUpPlan(
            id=row.id,
            loan_id=row.loan_id,
            start_on=row.start_on,
            start_source=StartSource(row.start_source),
            offsets_months=tuple(row.offsets_months),
            contacts=tuple(_contact(c) for c in contacts),
        )

    async def get_contact(self, contact_id: uuid.UUID, *, for_update: bool = False) -> Contact | None:
        query = select(CONTACTS).where(CONTACTS.c.id == contact_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else _contact(row)

    async def assign(self, contact: Contact) -> None:
        result = await self.session.execute(
            update(CONTACTS)
            .where(
                CONTACTS.c.id == contact.id,
                CONTACTS.c.version == contact.version - 1,
                CONTACTS.c.contacted_on.is_(None),
            )
            .values(version=contact.version, officer_id=contact.officer_id, mentor_name=contact.mentor_name)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("the contact changed meanwhile; reload and retry", code="followup.contact_changed")

    async def record_outcome(self, contact: Contact, *, recorded_by: uuid.UUID, at: datetime) -> None:
        assert contact.outcome is not None
        result = await self.session.execute(
            update(CONTACTS)
            .where(
                CONTACTS.c.id == contact.id,
                CONTACTS.c.version == contact.version - 1,
                CONTACTS.c.contacted_on.is_(None),
            )
            .values(version=contact.version, **_outcome_values(contact.outcome, recorded_by, at))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("this contact's outcome is already recorded", code="followup.outcome_already_recorded")

    async def add_contact(self, contact: Contact, *, recorded_by: uuid.UUID, at: datetime) -> None:
        assert contact.outcome is not None
        await self.session.execute(
            insert(CONTACTS).values(
                id=contact.id,
                plan_id=contact.plan_id,
                loan_id=contact.loan_id,
                number=contact.number,
                due_on=contact.due_on,
                officer_id=contact.officer_id,
                mentor_name=contact.mentor_name,
                version=contact.version,
                **_outcome_values(contact.outcome, recorded_by, at),
            )
        )

    async def agenda_contacts(self, officer_id: uuid.UUID, *, due_until: date, done_from: date) -> Sequence[Contact]:
        contacts = CONTACTS.c
        rows = await self.session.execute(
            select(CONTACTS)
            .where(
                contacts.officer_id == officer_id,
                or_(
                    and_(contacts.contacted_on.is_(None), contacts.due_on <= due_until),
                    contacts.contacted_on >= done_from,
                ),
            )
            .order_by(contacts.due_on, contacts.number)
        )
        return [_contact(r) for r in rows]

    async def borrowers_of_loans(self, loan_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, LoanBorrower]:
        if not loan_ids:
            return {}
        rows = await self.session.execute(
            select(_loans.c.id, _applicants.c.id, _applicants.c.full_name, _applicants.c.phone)
            .join(_applicants, _applicants.c.id == _loans.c.applicant_id)
            .where(_loans.c.id.in_(set(loan_ids)))
        )
        return {
            loan_id: LoanBorrower(loan_id=loan_id, applicant_id=applicant_id, full_name=name, phone=phone)
            for loan_id, applicant_id, name, phone in rows
        }

    async def group_names(self, group_by: GroupBy, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, str]:
        key, name = {
            "product": (_loan_products.c.id, _loan_products.c.name),
            "officer": (_staff_users.c.id, _staff_users.c.full_name),
            "partner": (_partners.c.id, _partners.c.name),
        }[group_by]
        if not keys:
            return {}
        rows = await self.session.execute(select(key, name).where(key.in_(set(keys))))
        return dict(rows.all())

    async def report_facts(self, group_by: GroupBy) -> Sequence[tuple[uuid.UUID | None, BusinessFacts]]:
        key = {"product": _loans.c.product_id, "officer": _loans.c.officer_id, "partner": _loans.c.partner_id}[group_by]
        plans = (
            await self.session.execute(
                select(PLANS.c.id, PLANS.c.start_on, key).join(_loans, _loans.c.id == PLANS.c.loan_id)
            )
        ).all()
        outcomes: dict[uuid.UUID, list[Outcome]] = {}
        done = await self.session.execute(select(CONTACTS).where(CONTACTS.c.contacted_on.is_not(None)))
        for row in done:
            outcome = _outcome(row)
            assert outcome is not None
            outcomes.setdefault(row.plan_id, []).append(outcome)
        return [
            (group, BusinessFacts(start_on=start_on, outcomes=tuple(outcomes.get(plan_id, ()))))
            for plan_id, start_on, group in plans
        ]
