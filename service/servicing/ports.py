"""Ports of loan servicing: the loan with its events, locked for a change; its stored state; its statement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from domain.ledger.model import Account, LedgerTransaction
from domain.loans.events import LoanEvent
from domain.loans.model import Disbursement, Loan
from domain.servicing import InstallmentState, LoanState
from service.kernel.ports import Idempotency, UnitOfWork

if TYPE_CHECKING:  # cross-context types only: importing them at run time would make cycles
    from service.identity.ports import Borrowers
    from service.products.ports import LegalData, Products


@dataclass(frozen=True)
class ServicedLoan:
    """A loan locked for a change: its contract, its events in recording order, and the state of
    its instalments as last written (to write back only what the replay changed)."""

    loan: Loan
    events: tuple[LoanEvent, ...]
    stored: tuple[InstallmentState, ...]
    borrower_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class LoanSummary:
    id: uuid.UUID
    currency: str
    principal: Decimal
    annual_interest_rate: Decimal
    apr: Decimal
    status: str
    disbursed_on: date
    outstanding_principal: Decimal
    credit_balance: Decimal
    days_past_due: int
    arrears_bucket: str
    next_due_date: date | None
    closed_on: date | None
    written_off_on: date | None
    state_as_of: date | None
    borrower_id: uuid.UUID | None


class Transaction(msgspec.Struct, frozen=True):
    """A loan event as the statement lists it: one row of the ``loan_statement_entries`` read model,
    stored as this Struct's JSON (written with the event, ``reversed`` turned true when a reversal
    follows). Field for field the API's TransactionOut: the schedule route sends these entries as
    they are, so a field added there is added here (tests/servicing/test_http.py checks both agree)."""

    id: uuid.UUID
    sequence: int
    kind: str
    value_date: date
    amount: Decimal | None
    channel: str | None
    external_reference: str | None
    reverses_id: uuid.UUID | None
    reversed: bool
    reason: str | None
    recorded_at: datetime


class ReceiptAllocation(msgspec.Struct, frozen=True):
    """What a payment paid: one component of one instalment (``installment`` None: a recovery)."""

    installment: int | None
    component: str
    amount: Decimal
    applied_on: date


class ReceiptLoan(msgspec.Struct, frozen=True):
    """The loan after the event."""

    status: str
    as_of: date
    outstanding_principal: Decimal
    credit_balance: Decimal
    total_due: Decimal
    days_past_due: int
    arrears_bucket: str
    closed_on: date | None
    written_off_on: date | None


class EventReceipt(msgspec.Struct, frozen=True, kw_only=True):
    """What the client is told about a payment, reversal, write-off or reschedule it recorded; stored
    (as JSON) with the Idempotency-Key so that a retry gets the same."""

    id: uuid.UUID
    loan_id: uuid.UUID
    sequence: int
    kind: str
    value_date: date
    amount: Decimal | None
    currency: str
    channel: str | None
    external_reference: str | None
    reverses_id: uuid.UUID | None
    reason: str | None
    ledger_transaction_id: uuid.UUID | None
    allocations: list[ReceiptAllocation]
    loan: ReceiptLoan
    apr: Decimal | None = None  # a reschedule's; absent from receipts stored before it was given


@dataclass(frozen=True, kw_only=True)
class ScheduleTermsOf:
    """The terms of one of a loan's schedules: the contract's (``version`` 0, from the
    disbursement) or an amendment's (``version`` the reschedule's sequence, from its value date).
    Amendments recorded before their terms were kept have no rate or TAEG (None)."""

    version: int
    starts_on: date
    annual_interest_rate: Decimal | None
    apr: Decimal | None


@dataclass(frozen=True, kw_only=True)
class StatementLine(InstallmentState):
    """An instalment of a statement: its state, and what its contract or amendment said it would
    ask (``scheduled_*``, as drawn up). The state's ``*_due`` change with the rules: a reschedule
    waives the interest not accrued yet and the fees of the instalments it replaces."""

    scheduled_principal: Decimal
    scheduled_interest: Decimal
    scheduled_fees: Decimal

    @property
    def scheduled_total(self) -> Decimal:
        return self.scheduled_principal + self.scheduled_interest + self.scheduled_fees


@dataclass(frozen=True, kw_only=True)
class ScheduleVersion:
    """One schedule as the borrower's documents show it: ``amendment`` 0 is the contract's, then
    1, 2... for each reschedule; its instalments are numbered from 1, as that contract or amendment
    numbers them. ``replaced_on`` is the date the next amendment took over (None: the live one)."""

    amendment: int
    starts_on: date
    replaced_on: date | None
    annual_interest_rate: Decimal | None
    apr: Decimal | None
    installments: tuple[StatementLine, ...]


@dataclass(frozen=True)
class LoanStatement:
    """A loan's schedule with what is paid, due and late per instalment, and its transactions.
    ``installments`` are every schedule's, numbered on across schedules as the replay numbers
    them; ``schedules()`` splits them into the contract's and each amendment's."""

    loan: LoanSummary
    installments: tuple[StatementLine, ...]
    transactions: tuple[Transaction, ...]
    terms: tuple[ScheduleTermsOf, ...] = ()

    def schedules(self) -> tuple[ScheduleVersion, ...]:
        """The contract's schedule and each amendment's, in the order they took over; the last is
        the live one. (The schedule document renders the same in SQL: see schedule_document.)"""
        by_version = {t.version: t for t in self.terms}
        versions = sorted(
            {i.schedule_version for i in self.installments},
            key=lambda v: (by_version[v].starts_on, v) if v in by_version else (self.loan.disbursed_on, v),
        )
        shown: list[ScheduleVersion] = []
        for amendment, version in enumerate(versions):
            terms = by_version.get(version)
            later = by_version.get(versions[amendment + 1]) if amendment + 1 < len(versions) else None
            lines = sorted((i for i in self.installments if i.schedule_version == version), key=lambda i: i.number)
            shown.append(
                ScheduleVersion(
                    amendment=amendment,
                    starts_on=terms.starts_on if terms else self.loan.disbursed_on,
                    replaced_on=later.starts_on if later else None,
                    annual_interest_rate=terms.annual_interest_rate if terms else None,
                    apr=terms.apr if terms else None,
                    installments=tuple(replace(line, number=n) for n, line in enumerate(lines, start=1)),
                )
            )
        return tuple(shown)

    def live_schedule(self) -> ScheduleVersion:
        """The schedule in force: the last amendment's, or the contract's."""
        return self.schedules()[-1]


@dataclass(frozen=True)
class ScheduleDocument:
    """The schedule as the API sends it (JSON, rendered by the database), and whose loan it is."""

    borrower_id: uuid.UUID | None
    json: str


@dataclass(frozen=True, kw_only=True)
class ScheduleExport:
    """What a downloadable schedule (PDF, iCalendar) shows: the statement, in the borrower's
    language ("fr" unless the borrower chose "en"), and when it was produced (the moment, and
    the lender's date printed on the document)."""

    statement: LoanStatement
    language: str
    borrower_name: str | None
    generated_at: datetime
    generated_on: date


class ScheduleRenderer(Protocol):
    """Writes a loan's schedule as a file for the borrower (a PDF, an iCalendar of due dates)."""

    def render(self, export: ScheduleExport) -> bytes: ...


class LoanServicing(Protocol):
    async def lock(self, loan_id: uuid.UUID, *, for_update: bool = True) -> ServicedLoan | None:
        """The loan and its events; the loan row locked until the end of the transaction unless
        ``for_update`` is false (a read)."""
        ...

    async def add_event(self, event: LoanEvent) -> None: ...

    async def posted_balances(self, loan_id: uuid.UUID) -> Mapping[Account, Decimal]:
        """What the loan's ledger transactions other than disbursements add up to per account."""
        ...

    async def write_state(
        self, loan: Loan, state: LoanState, stored: Sequence[InstallmentState], event_count: int
    ) -> None: ...

    async def statement(self, loan_id: uuid.UUID, *, transactions: bool = True) -> LoanStatement | None:
        """The loan, its instalments and its events, in three statements (two without the events)."""
        ...

    async def schedule_document(self, loan_id: uuid.UUID) -> ScheduleDocument | None:
        """The same as the API's schedule document, in one statement."""
        ...

    async def loans_of_borrower(self, borrower_id: uuid.UUID) -> Sequence[uuid.UUID]:
        """The ids of the borrower's loans (through their applicant record), latest disbursed first."""
        ...

    async def borrower_of(self, loan_id: uuid.UUID) -> uuid.UUID | None:
        """The borrower whose loan it is (None: no such loan, or its applicant has no borrower space)."""
        ...


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
    include_test: bool = False  # loans of the sandbox's made-up people are left out unless asked for


@dataclass(frozen=True, kw_only=True)
class LoanListItem:
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
    async def search(self, criteria: LoanSearch, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanListItem]: ...
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


@dataclass(frozen=True)
class CloseOfBusinessRun:
    """A close of business of one business date (see ``close_of_business``): finished or not, and
    the chunks it is split into."""

    business_date: date
    finished: bool
    chunks: int


@dataclass(frozen=True)
class ChunkRange:
    """The active loans with ids in (``after``, ``last``], the ``number``-th chunk of a run."""

    number: int
    after: uuid.UUID
    last: uuid.UUID


@dataclass(frozen=True)
class AgedChunk:
    """One committed chunk: the loans and instalments written, and the loans to replay instead
    (a credit pays an instalment falling due)."""

    loans_aged: int
    installments_updated: int
    to_refresh: tuple[uuid.UUID, ...]


class ChunkClaim(Protocol):
    """A chunk held by this worker until the claim ends; ``done`` records it (at the claim's end)."""

    @property
    def chunk(self) -> ChunkRange: ...
    async def done(self, aged: AgedChunk, *, refreshed: int) -> None: ...


class CloseOfBusinessBook(Protocol):
    """Set-based ageing of the loan book; every method but ``claim_chunk`` is its own committed
    transaction."""

    async def last_closed(self) -> date | None:
        """The latest business date whose close finished (None before the first)."""
        ...

    async def forget_days_from(self, day: date, *, loans_after: date) -> Sequence[uuid.UUID]:
        """Delete the runs and figures of ``day`` and later; the loans whose state is dated after
        ``loans_after`` (aged by such a run), to be replayed."""
        ...

    async def start(self, business_date: date, *, chunk_size: int) -> CloseOfBusinessRun:
        """The run of ``business_date``, created with its chunks of ``chunk_size`` active loans the
        first time (a run resumed keeps the chunks it has)."""
        ...

    def claim_chunk(self, business_date: date) -> AbstractAsyncContextManager[ChunkClaim | None]:
        """A chunk not done that no one else holds (None when there is none), held until exit;
        not marked done unless ``done`` is called."""
        ...

    async def age_chunk(self, business_date: date, chunk: ChunkRange) -> AgedChunk: ...
    async def chunks_done(self, business_date: date) -> tuple[int, int]:
        """Chunks of the run done, and in all."""
        ...

    async def finish(self, business_date: date) -> None:
        """Record the day's portfolio figures (replacing any of an earlier run) and close the run."""
        ...


class ServicingUnitOfWork(UnitOfWork, Protocol):
    """The repositories servicing's handlers use: its own, the borrower (identity) and the
    product version and legal data a reschedule is checked against (products)."""

    @property
    def loans(self) -> Loans: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def servicing(self) -> LoanServicing: ...
    @property
    def idempotency(self) -> Idempotency: ...
    @property
    def borrowers(self) -> Borrowers: ...
    @property
    def products(self) -> Products: ...
    @property
    def legal_data(self) -> LegalData: ...
