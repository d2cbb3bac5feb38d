"""The ports use cases depend on: repositories, the unit of work, and outside services."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from domain.identity.model import ApiKey, Borrower, LoginCode, Partner, Principal, StaffUser
from domain.ledger.model import Account, LedgerTransaction
from domain.loans.model import Disbursement, Loan
from domain.notifications.model import Message
from domain.origination.applicants import Applicant, BusinessProject, Referral, Stage
from domain.origination.applications import Application, HistoryEntry, Status
from domain.origination.contract import ContractDocument
from domain.products.model import LegalCeiling, LoanProduct, ProductVersion, UsuryThreshold
from domain.training.model import Attendance, Enrolment, TrainingProgramme, TrainingSession
from service.followup.ports import FollowUps
from service.servicing.ports import LoanServicing


class StaffUsers(Protocol):
    async def get(self, user_id: uuid.UUID) -> StaffUser | None: ...
    async def by_username(self, username: str) -> StaffUser | None: ...
    async def add(self, user: StaffUser) -> None: ...
    async def save(self, user: StaffUser) -> None: ...
    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[StaffUser]: ...


class Partners(Protocol):
    async def get(self, partner_id: uuid.UUID) -> Partner | None: ...
    async def add(self, partner: Partner) -> None: ...
    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[Partner]: ...


class ApiKeys(Protocol):
    async def by_prefix(self, prefix: str) -> ApiKey | None: ...
    async def get(self, key_id: uuid.UUID) -> ApiKey | None: ...
    async def add(self, key: ApiKey) -> None: ...
    async def save(self, key: ApiKey) -> None: ...
    async def for_partner(self, partner_id: uuid.UUID) -> Sequence[ApiKey]: ...


class Borrowers(Protocol):
    async def get(self, borrower_id: uuid.UUID) -> Borrower | None: ...
    async def by_email(self, email: str) -> Borrower | None: ...
    async def add(self, borrower: Borrower) -> None: ...


class LoginCodes(Protocol):
    async def add(self, code: LoginCode) -> None: ...
    async def latest_for(self, borrower_id: uuid.UUID) -> LoginCode | None: ...
    async def save(self, code: LoginCode) -> None: ...
    async def issued_since(self, borrower_id: uuid.UUID, since: datetime, requested_from: str) -> tuple[int, int]: ...
    async def delete_expired(self, before: datetime) -> int: ...


class Products(Protocol):
    async def add(self, product: LoanProduct) -> None: ...
    async def get(self, product_id: uuid.UUID, *, for_update: bool = False) -> LoanProduct | None: ...
    async def by_code(self, code: str) -> LoanProduct | None: ...
    async def version(self, product_id: uuid.UUID, version: int) -> ProductVersion | None: ...
    async def add_version(self, product: LoanProduct, version: ProductVersion) -> None: ...
    async def save(self, product: LoanProduct) -> None: ...
    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanProduct]: ...


class LegalData(Protocol):
    async def add_ceiling(self, ceiling: LegalCeiling) -> None: ...
    async def add_usury_threshold(self, threshold: UsuryThreshold) -> None: ...
    async def ceilings(self) -> Sequence[LegalCeiling]: ...
    async def usury_thresholds(self) -> Sequence[UsuryThreshold]: ...


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


class Applicants(Protocol):
    async def add(self, applicant: Applicant) -> None: ...
    async def get(self, applicant_id: uuid.UUID, *, for_update: bool = False) -> Applicant | None: ...
    async def find_by_contact(self, email: str | None, phone: str | None) -> Applicant | None: ...
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


class Referrals(Protocol):
    async def add(self, referral: Referral) -> None: ...
    async def get(self, referral_id: uuid.UUID) -> Referral | None: ...
    async def page_for_partner(
        self, partner_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[Referral, Stage]]: ...


class Projects(Protocol):
    async def get(self, applicant_id: uuid.UUID) -> BusinessProject | None: ...
    async def save(self, project: BusinessProject) -> None: ...


@dataclass(frozen=True)
class EnrolmentLine:
    """An enrolment in a list, with who is enrolled and in which programme and dates."""

    enrolment: Enrolment
    applicant_name: str
    applicant_phone: str | None
    programme_id: uuid.UUID
    programme_name: str
    starts_on: date
    ends_on: date


class Trainings(Protocol):
    async def add_programme(self, programme: TrainingProgramme) -> None: ...
    async def get_programme(self, programme_id: uuid.UUID) -> TrainingProgramme | None: ...
    async def programmes(self, *, after: uuid.UUID | None, limit: int) -> Sequence[TrainingProgramme]: ...
    async def add_session(self, training_session: TrainingSession) -> None: ...
    async def get_session(self, session_id: uuid.UUID, *, for_update: bool = False) -> TrainingSession | None:
        """With ``for_update`` the session stays locked until the transaction ends (seats are counted under it)."""
        ...

    async def seats_taken(self, session_id: uuid.UUID) -> int: ...
    async def sessions(
        self, *, programme_id: uuid.UUID | None, starts_from: date | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[TrainingSession, int]]: ...
    async def add_enrolment(self, enrolment: Enrolment) -> None: ...
    async def get_enrolment(self, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment | None: ...
    async def save_enrolment(self, enrolment: Enrolment) -> None: ...
    async def current_enrolment(self, session_id: uuid.UUID, applicant_id: uuid.UUID) -> Enrolment | None: ...
    async def enrolments_in_session(self, session_id: uuid.UUID) -> Sequence[EnrolmentLine]: ...
    async def enrolments_of_applicant(self, applicant_id: uuid.UUID) -> Sequence[EnrolmentLine]: ...
    async def has_completed_training(self, applicant_id: uuid.UUID, programme_ids: Set[uuid.UUID] | None) -> bool:
        """Whether the person completed a training of any programme (``None``) or of one of ``programme_ids``."""
        ...

    async def record_attendance(self, attendance: Attendance) -> None: ...
    async def attendance(self, enrolment_id: uuid.UUID) -> Sequence[Attendance]: ...


class Idempotency(Protocol):
    async def begin(self, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """Hold the key for this transaction; the stored result of an earlier success with the same body,
        a Conflict while another request holds it, a RuleViolation if it was used with another body."""
        ...

    async def record(self, scope: str, key: str, request_hash: str, result: dict[str, Any]) -> None: ...


@dataclass(frozen=True, kw_only=True)
class ApplicationFilter:
    status: Status | None = None
    applicant_id: uuid.UUID | None = None
    officer_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class CommitteeVote:
    id: uuid.UUID
    application_id: uuid.UUID
    member_id: uuid.UUID
    vote: str
    comment: str
    at: datetime
    round: int  # the committee round it was cast in (a new round starts each time the file is referred)


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


@dataclass(frozen=True, kw_only=True)
class LoanSearch:
    """Staff's loan list: every given criterion must match; ``borrower_name`` matches part of it."""

    officer_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    applicant_id: uuid.UUID | None = None
    borrower_name: str | None = None
    status: str | None = None
    arrears_bucket: str | None = None


@dataclass(frozen=True, kw_only=True)
class LoanSummary:
    """A line of the loan list: the loan as of its last replay or close, with the names of the
    borrower, officer, product and partner, so that a list of loans is readable without ids."""

    id: uuid.UUID
    application_id: uuid.UUID
    applicant_id: uuid.UUID
    borrower_name: str
    borrower_phone: str | None
    officer_id: uuid.UUID
    officer_name: str
    product_id: uuid.UUID
    product_name: str
    partner_id: uuid.UUID | None
    partner_name: str | None
    currency: str
    principal: Decimal
    outstanding_principal: Decimal
    status: str
    days_past_due: int
    arrears_bucket: str
    next_due_date: date | None
    disbursed_on: date
    state_as_of: date | None


class Loans(Protocol):
    async def search(self, criteria: LoanSearch, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanSummary]: ...
    async def add(self, loan: Loan) -> None: ...
    async def get(self, loan_id: uuid.UUID) -> Loan | None: ...
    async def for_application(self, application_id: uuid.UUID) -> Loan | None: ...
    async def ids_for_applications(self, application_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, uuid.UUID]:
        """The loan id of each application that has a loan, by application id."""
        ...

    async def add_disbursement(self, disbursement: Disbursement) -> None: ...
    async def disbursements(self, application_id: uuid.UUID) -> Sequence[Disbursement]: ...
    async def outstanding_principal_of_applicant(self, applicant_id: uuid.UUID, currency: str) -> Decimal: ...


class Ledger(Protocol):
    async def post(self, transaction: LedgerTransaction) -> None: ...
    async def balance(self, account: Account, *, loan_id: uuid.UUID | None = None) -> Decimal: ...


class Outbox(Protocol):
    """Events recorded in the same transaction as their cause; a relay delivers them later."""

    async def add(self, topic: str, aggregate_id: uuid.UUID, payload: dict[str, Any]) -> None: ...


class ContractRenderer(Protocol):
    def render(self, document: ContractDocument) -> bytes: ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is written unless the handler calls ``commit``."""

    @property
    def staff_users(self) -> StaffUsers: ...
    @property
    def partners(self) -> Partners: ...
    @property
    def api_keys(self) -> ApiKeys: ...
    @property
    def borrowers(self) -> Borrowers: ...
    @property
    def login_codes(self) -> LoginCodes: ...
    @property
    def products(self) -> Products: ...
    @property
    def legal_data(self) -> LegalData: ...
    @property
    def applicants(self) -> Applicants: ...
    @property
    def referrals(self) -> Referrals: ...
    @property
    def projects(self) -> Projects: ...
    @property
    def idempotency(self) -> Idempotency: ...
    @property
    def trainings(self) -> Trainings: ...
    @property
    def applications(self) -> Applications: ...
    @property
    def loans(self) -> Loans: ...
    @property
    def servicing(self) -> LoanServicing: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def follow_ups(self) -> FollowUps: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    """Slow on purpose, so asynchronous: an implementation must not block the event loop."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` (an unknown user) costs the same and is False."""
        ...


class TokenCodec(Protocol):
    def issue(self, principal: Principal, *, now: datetime, minutes: int) -> str: ...
    def read(self, token: str, *, now: datetime) -> Principal | None: ...


class StaffTokenVersions(Protocol):
    """Read on every staff request, so one indexed lookup outside any unit of work."""

    async def current(self, user_id: uuid.UUID) -> int | None:
        """The token version of an active staff user; None when deactivated or unknown."""
        ...


class LoginCodeSender(Protocol):
    """Delivers a borrower's one-time code (e-mail or SMS in production, the log in development)."""

    async def send(self, borrower: Borrower, code: str) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, client: str) -> int | None:
        """Count one request of ``client``; the seconds to wait when over the limit, else None."""
        ...


class SignInBackoff(Protocol):
    """Failed sign-ins of an account, counted per client address (and in total), each one more
    making the next try wait longer; a success from an address clears that address's count."""

    async def wait(self, account: str, client: str) -> int | None:
        """Seconds ``client`` must wait before trying ``account`` again, else None."""
        ...

    async def failed(self, account: str, client: str) -> None: ...
    async def succeeded(self, account: str, client: str) -> None: ...


class ReadinessProbe(Protocol):
    async def check(self) -> dict[str, bool]: ...


class NotificationChannel(Protocol):
    """Delivers a rendered notice by e-mail, SMS or, in development, the log.

    Returns once the provider accepted the message; raises ``domain.notifications.DeliveryFailed``
    otherwise, with ``retryable`` telling whether a later attempt may succeed.
    """

    async def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class CloseOfBusinessRun:
    """Progress of the close of business of one business date (see ``close_of_business``)."""

    business_date: date
    finished: bool
    last_loan_id: uuid.UUID | None


@dataclass(frozen=True)
class AgedChunk:
    """One committed chunk: its last loan id (None when no active loan was left), the loans and
    instalments written, and the loans to replay instead (a credit pays an instalment falling due)."""

    last_loan_id: uuid.UUID | None
    loans_aged: int
    installments_updated: int
    to_refresh: tuple[uuid.UUID, ...]


class CloseOfBusinessBook(Protocol):
    """Set-based ageing of the loan book; every method is its own committed transaction."""

    async def last_closed(self) -> date | None:
        """The latest business date whose close finished (None before the first)."""
        ...

    async def forget_days_from(self, day: date, *, loans_after: date) -> Sequence[uuid.UUID]:
        """Delete the runs and figures of ``day`` and later; the loans whose state is dated after
        ``loans_after`` (aged by such a run), to be replayed."""
        ...

    async def start(self, business_date: date) -> CloseOfBusinessRun: ...
    async def age_chunk(self, business_date: date, *, after: uuid.UUID | None, limit: int) -> AgedChunk: ...
    async def record_chunk(self, business_date: date, chunk: AgedChunk, *, refreshed: int) -> None: ...
    async def finish(self, business_date: date) -> None:
        """Record the day's portfolio figures (replacing any of an earlier run) and close the run."""
        ...


@dataclass(frozen=True, kw_only=True)
class PortfolioFigures:
    """Raw figures of one group and currency for a period (see ``usecases.portfolio``)."""

    group_id: uuid.UUID | None
    group_name: str | None
    currency: str
    figures_as_of: date | None
    active_loans: int
    gross_outstanding: Decimal
    par30_outstanding: Decimal
    par90_outstanding: Decimal
    fell_due: Decimal
    collected: Decimal
    written_off_principal: Decimal
    average_gross_outstanding: Decimal | None
    loans_disbursed: int


class PortfolioReports(Protocol):
    async def figures(self, *, group_by: str, start: date, end: date) -> Sequence[PortfolioFigures]: ...
    async def last_close(self) -> date | None:
        """The latest business date whose close of business finished (None before the first)."""
        ...
