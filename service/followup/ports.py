"""Ports of post-creation follow-up: plans and contacts, an officer's agenda, the report's facts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from domain.followup.model import Contact, FollowUpPlan
from domain.followup.policies import BusinessFacts
from domain.loans.model import GroupBy
from domain.origination.applicants import BusinessProject
from service.kernel.ports import PartnerEvents, UnitOfWork

if TYPE_CHECKING:  # cross-context types only: importing them at run time would make cycles
    from service.identity.ports import StaffUsers
    from service.products.ports import Products
    from service.servicing.ports import Loans


@dataclass(frozen=True, kw_only=True)
class LoanBorrower:
    """Who to call about a loan: the borrower's name and phone, next to the loan's id."""

    loan_id: uuid.UUID
    applicant_id: uuid.UUID
    full_name: str
    phone: str | None


class FollowUps(Protocol):
    async def add_plan(self, plan: FollowUpPlan) -> None:
        """The plan and its planned contacts."""
        ...

    async def plan_for_loan(self, loan_id: uuid.UUID, *, for_update: bool = False) -> FollowUpPlan | None:
        """The loan's plan with all its contacts; with ``for_update`` the plan stays locked (new
        contacts are numbered under that lock)."""
        ...

    async def get_contact(self, contact_id: uuid.UUID, *, for_update: bool = False) -> Contact | None: ...

    async def assign(self, contact: Contact) -> None:
        """Write the contact's assignee, only if it did not change meanwhile (else a conflict)."""
        ...

    async def record_outcome(self, contact: Contact, *, recorded_by: uuid.UUID, at: datetime) -> None:
        """Write the contact's outcome, only if none was written meanwhile (else a conflict)."""
        ...

    async def add_contact(self, contact: Contact, *, recorded_by: uuid.UUID, at: datetime) -> None: ...

    async def agenda_contacts(self, officer_id: uuid.UUID, *, due_until: date, done_from: date) -> Sequence[Contact]:
        """The officer's contacts without outcome due until ``due_until``, and those done since ``done_from``."""
        ...

    async def borrowers_of_loans(self, loan_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, LoanBorrower]:
        """The borrower of each loan, by loan id."""
        ...

    async def group_names(self, group_by: GroupBy, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, str]:
        """The name of each product, officer or partner, by id."""
        ...

    async def report_facts(self, group_by: GroupBy) -> Sequence[tuple[uuid.UUID | None, BusinessFacts]]:
        """Every followed business with its group key (the loan's product, officer or referring partner)."""
        ...


class BusinessProjects(Protocol):
    """The borrower's business project a plan is drawn from: the part of origination's ``Projects``
    follow-up reads, declared here so follow-up imports nothing of origination (origination starts
    the plan at disbursement)."""

    async def get(self, applicant_id: uuid.UUID) -> BusinessProject | None: ...


class FollowUpUnitOfWork(UnitOfWork, Protocol):
    """The repositories the follow-up handlers use: its own, the loan (servicing), the product
    (products), the project's start date (origination) and the officer (identity)."""

    @property
    def follow_ups(self) -> FollowUps: ...
    @property
    def loans(self) -> Loans: ...
    @property
    def products(self) -> Products: ...
    @property
    def projects(self) -> BusinessProjects: ...
    @property
    def staff_users(self) -> StaffUsers: ...
    @property
    def partner_events(self) -> PartnerEvents: ...
