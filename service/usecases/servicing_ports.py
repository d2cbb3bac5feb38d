"""Ports of loan servicing: the loan with its events, locked for a change; its stored state; its statement."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple, Protocol

from domain.ledger.model import Account
from domain.loans.events import LoanEvent
from domain.loans.model import Loan
from domain.servicing import InstallmentState, LoanState


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


class Transaction(NamedTuple):
    """A loan event as the statement lists it (a tuple: a loan may have hundreds of them)."""

    id: uuid.UUID
    sequence: int
    kind: str
    value_date: date
    amount: Decimal | None
    channel: str | None
    external_reference: str | None
    reverses_id: uuid.UUID | None
    reason: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class LoanStatement:
    """A loan's schedule with what is paid, due and late per instalment, and its transactions."""

    loan: LoanSummary
    installments: tuple[InstallmentState, ...]
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True)
class ScheduleDocument:
    """The schedule as the API sends it (JSON, rendered by the database), and whose loan it is."""

    borrower_id: uuid.UUID | None
    json: str


@dataclass(frozen=True, kw_only=True)
class ScheduleExport:
    """What a downloadable schedule (PDF, iCalendar) shows: the statement, in the borrower's
    language ("fr" unless the borrower chose "en"), and when it was produced."""

    statement: LoanStatement
    language: str
    borrower_name: str | None
    generated_at: datetime


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

    async def statement(self, loan_id: uuid.UUID) -> LoanStatement | None:
        """The loan, its instalments and its events, in three statements."""
        ...

    async def schedule_document(self, loan_id: uuid.UUID) -> ScheduleDocument | None:
        """The same as the API's schedule document, in one statement."""
        ...

    async def loans_of_borrower(self, borrower_id: uuid.UUID) -> Sequence[uuid.UUID]:
        """The ids of the borrower's loans (through their applicant record), latest disbursed first."""
        ...
