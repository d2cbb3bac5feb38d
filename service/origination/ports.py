"""What origination's handlers need: applicants, referrals, projects, applications, the contract renderer."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from domain.origination.applicants import Applicant, BusinessProject, Referral, Stage
from domain.origination.applications import Application, HistoryEntry, Status
from domain.origination.contract import ContractDocument
from service.kernel.ports import Idempotency, PartnerEvents, Rectifications, UnitOfWork

if TYPE_CHECKING:  # cross-context types only: importing them at run time would make cycles
    from service.followup.ports import FollowUps
    from service.identity.ports import Borrowers, StaffUsers
    from service.products.ports import LegalData, Products
    from service.servicing.ports import Ledger, Loans, Outbox
    from service.training.ports import Trainings


@dataclass(frozen=True, kw_only=True)
class ApplicantSearch:
    """Officers' search: every given criterion must match; ``name`` matches part of the name."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    siret: str | None = None
    stage: Stage | None = None
    officer_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    include_test: bool = False  # the sandbox's made-up people are left out unless asked for


class Applicants(Protocol):
    async def add(self, applicant: Applicant) -> None: ...
    async def get(self, applicant_id: uuid.UUID, *, for_update: bool = False) -> Applicant | None: ...
    async def find_by_contact(
        self, email: str | None, phone: str | None, *, test: bool = False
    ) -> Applicant | None: ...
    async def save(self, applicant: Applicant) -> None: ...
    async def set_stage(self, applicant_id: uuid.UUID, stage: Stage) -> None: ...
    async def claim(self, applicant_id: uuid.UUID, officer_id: uuid.UUID) -> None:
        """Make ``officer_id`` the applicant's officer if the applicant has none (atomically)."""
        ...

    async def lock_contact(self, email: str | None, phone: str | None) -> None: ...
    async def link_borrower(self, applicant_id: uuid.UUID, borrower_id: uuid.UUID) -> None: ...
    async def search(
        self, criteria: ApplicantSearch, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Applicant]: ...


@dataclass(frozen=True)
class PartnerReferralLine:
    """A referral as its partner follows it: the stage it may see, and when that view last changed."""

    referral: Referral
    stage: Stage
    updated_at: datetime


class Referrals(Protocol):
    async def add(self, referral: Referral) -> None: ...
    async def get(self, referral_id: uuid.UUID) -> Referral | None: ...
    async def of_applicant(self, applicant_id: uuid.UUID) -> Sequence[Referral]:
        """Every referral of the person, oldest first (a person may be referred by several partners)."""
        ...

    async def page_for_partner(
        self,
        partner_id: uuid.UUID,
        *,
        test: bool,
        after: uuid.UUID | None,
        limit: int,
        updated_since: datetime | None = None,
    ) -> Sequence[PartnerReferralLine]: ...


class Projects(Protocol):
    async def get(self, applicant_id: uuid.UUID) -> BusinessProject | None: ...
    async def save(self, project: BusinessProject) -> None: ...


@dataclass(frozen=True, kw_only=True)
class ApplicationFilter:
    status: Status | None = None
    applicant_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None
    include_test: bool = False  # the sandbox's made-up people's files are left out unless asked for


@dataclass(frozen=True, kw_only=True)
class CommitteeVote:
    id: uuid.UUID
    application_id: uuid.UUID
    member_id: uuid.UUID
    vote: str
    comment: str
    at: datetime
    round: int  # the committee round it was cast in (a new round starts each time the file is referred)


class StaffNames(Protocol):
    """Who the committee members and deciders are, by name, for the file's readers."""

    async def of(self, staff_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]: ...


class PipelineCounts(Protocol):
    """How many people are at each stage and files in each status (all, or one officer's)."""

    async def by_stage(self, officer_id: uuid.UUID | None) -> dict[Stage, int]: ...
    async def by_status(self, officer_id: uuid.UUID | None) -> dict[Status, int]: ...


class Applications(Protocol):
    async def add(self, app: Application) -> None: ...
    async def get(self, application_id: uuid.UUID, *, for_update: bool = False) -> Application | None: ...
    async def save(self, app: Application) -> None: ...
    async def history(self, application_id: uuid.UUID) -> Sequence[HistoryEntry]: ...
    async def page(
        self, criteria: ApplicationFilter, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[Application]: ...
    async def offers_expired_before(self, day: date, *, limit: int) -> Sequence[uuid.UUID]: ...
    async def add_vote(self, vote: CommitteeVote) -> None: ...
    async def votes(self, application_id: uuid.UUID) -> Sequence[CommitteeVote]: ...
    async def committed_undisbursed(
        self, applicant_id: uuid.UUID, currency: str, *, excluding: uuid.UUID
    ) -> Decimal: ...
    async def statuses_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[tuple[uuid.UUID, Status]]: ...


class ContractRenderer(Protocol):
    def render(self, document: ContractDocument) -> bytes: ...


class OriginationUnitOfWork(UnitOfWork, Protocol):
    """The repositories origination's handlers use: its own, and in the same transaction
    the borrower space (identity), the product version (products), the training records (training)
    and the loan opened at disbursement (servicing)."""

    @property
    def applicants(self) -> Applicants: ...
    @property
    def referrals(self) -> Referrals: ...
    @property
    def projects(self) -> Projects: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def idempotency(self) -> Idempotency: ...
    @property
    def partner_events(self) -> PartnerEvents: ...
    @property
    def rectifications(self) -> Rectifications: ...
    @property
    def borrowers(self) -> Borrowers: ...
    @property
    def staff_users(self) -> StaffUsers: ...
    @property
    def staff_names(self) -> StaffNames: ...
    @property
    def pipeline_counts(self) -> PipelineCounts: ...
    @property
    def products(self) -> Products: ...
    @property
    def legal_data(self) -> LegalData: ...
    @property
    def trainings(self) -> Trainings: ...
    @property
    def loans(self) -> Loans: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def follow_ups(self) -> FollowUps: ...
