"""Loan servicing in PostgreSQL: the loan locked with its events, its state written back, its statement.

Raw statements on the session's connection (see ``service.kernel.db.gateway``): a payment and a statement are hot
paths (issue 5 speed targets), and SQLAlchemy's per-statement work cost more than the queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ledger.model import Account
from domain.loans.events import (
    LoanEvent,
    LoanEventKind,
    LoanWrittenOff,
    PaymentRecorded,
    PaymentReversed,
    Rescheduled,
    facts_of,
)
from domain.loans.model import Loan
from domain.money import quantize
from domain.schedules import Installment
from domain.servicing import InstallmentState, InstallmentStatus, LoanState, PaymentChannel
from service.kernel.db.codec import from_jsonb, to_jsonb
from service.kernel.db.gateway import RawConnection, in_transaction, read_only
from service.servicing.ports import (
    LoanStatement,
    LoanSummary,
    ScheduleDocument,
    ScheduleTermsOf,
    ServicedLoan,
    StatementLine,
    Transaction,
)
from service.servicing.read import fetch_schedule_document
from service.servicing.repositories.mapping import contract_installment, loan_from_row

_STATE_AMOUNTS = (
    "principal_due",
    "interest_due",
    "fees_due",
    "penalties_due",
    "principal_paid",
    "interest_paid",
    "fees_paid",
    "penalties_paid",
    "written_off",
    "rescheduled",
    "outstanding",
    "late_fee",
    "carried_penalties",
    "penalty_interest",
)


def _installment_state(row: Mapping[str, Any], currency: str) -> InstallmentState:
    amounts: dict[str, Any] = {name: quantize(row[name], currency) for name in _STATE_AMOUNTS}
    return InstallmentState(
        number=row["number"],
        due_date=row["due_date"],
        days_past_due=row["days_past_due"],
        status=InstallmentStatus(row["status"]),
        late_amount_days=quantize(row["late_amount_days"], currency),
        charged_through=row["charged_through"],
        schedule_version=row["schedule_version"],
        **amounts,
    )


def _statement_line(row: Mapping[str, Any], currency: str) -> StatementLine:
    """The instalment's state and its amounts as drawn up (the columns a reschedule leaves alone)."""
    state = _installment_state(row, currency)
    drawn_up: dict[str, Any] = {
        f"scheduled_{name}": quantize(row[name], currency) for name in ("principal", "interest", "fees")
    }
    return StatementLine(**vars(state), **drawn_up)


def _state_tuple(line: InstallmentState) -> tuple[Any, ...]:
    """(number, then the values of ``_STATE_COLUMNS``) for the raw statements."""
    return (
        line.number,
        *(getattr(line, name) for name in _STATE_AMOUNTS),
        line.due_date,
        line.status.value,
        line.days_past_due,
        line.late_amount_days,
        line.charged_through,
        line.schedule_version,
    )


_ENTRY = msgspec.json.Encoder()
_ENTRIES = msgspec.json.Decoder(Transaction)


def _statement_entry(event: LoanEvent, recorded_at: datetime) -> str:
    """The event's row of the statement read model: not reversed yet (``_MARK_REVERSED`` turns it
    when a reversal is recorded)."""
    facts = facts_of(event)
    return _ENTRY.encode(
        Transaction(
            id=event.id,
            sequence=event.sequence,
            kind=event.kind.value,
            value_date=event.value_date,
            amount=facts.amount,
            channel=facts.channel.value if facts.channel else None,
            external_reference=facts.external_reference,
            reverses_id=facts.reverses_id,
            reversed=False,
            reason=facts.reason,
            recorded_at=recorded_at,
        )
    ).decode()


def _details(event: LoanEvent) -> dict[str, Any]:
    """A reschedule's new schedule and its terms (read back by ``_event`` and the schedule document)."""
    if not isinstance(event, Rescheduled) or not event.installments:
        return {}
    details: dict[str, Any] = {"installments": to_jsonb(event.installments)}
    for name in ("annual_interest_rate", "apr"):
        if getattr(event, name) is not None:
            details[name] = str(getattr(event, name))
    return details


def _optional_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _event(row: Mapping[str, Any], currency: str) -> LoanEvent:
    """The recorded event of its kind (the table's CHECK constraints say which columns each kind fills)."""
    recorded: dict[str, Any] = {
        name: row[name]
        for name in ("id", "loan_id", "sequence", "value_date", "recorded_by", "ledger_transaction_id", "recorded_at")
    }
    match LoanEventKind(row["kind"]):
        case LoanEventKind.PAYMENT:
            return PaymentRecorded(
                **recorded,
                amount=quantize(row["amount"], currency),
                channel=PaymentChannel(row["channel"]),
                external_reference=row["external_reference"],
            )
        case LoanEventKind.REVERSAL:
            return PaymentReversed(**recorded, reverses_id=row["reverses_id"], reason=row["reason"])
        case LoanEventKind.WRITE_OFF:
            return LoanWrittenOff(**recorded, reason=row["reason"])
        case LoanEventKind.RESCHEDULE:
            details = row["details"]
            return Rescheduled(
                **recorded,
                reason=row["reason"],
                installments=from_jsonb(details.get("installments", []), tuple[Installment, ...]),
                annual_interest_rate=_optional_decimal(details.get("annual_interest_rate")),
                apr=_optional_decimal(details.get("apr")),
            )


_LOAN_COLUMNS = "SELECT l.*, a.borrower_id FROM loans l JOIN applicants a ON a.id = l.applicant_id WHERE l.id = $1"
_LOCK_LOAN = _LOAN_COLUMNS + " FOR UPDATE OF l"
_READ_LOAN = _LOAN_COLUMNS
_INSERT_EVENT = (
    "INSERT INTO loan_events (id, loan_id, sequence, kind, value_date, amount, channel, external_reference,"
    " reverses_id, reason, details, ledger_transaction_id, recorded_by, recorded_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)
_INSERT_ENTRY = "INSERT INTO loan_statement_entries (event_id, loan_id, sequence, entry) VALUES ($1, $2, $3, $4)"
# The entry is Transaction's JSON: its key is written without spaces and a string value cannot hold
# it unescaped, so this replaces the one flag and nothing else.
_MARK_REVERSED = (
    "UPDATE loan_statement_entries SET entry = replace(entry, '\"reversed\":false', '\"reversed\":true')"
    " WHERE event_id = $1"
)
_POSTED_BALANCES = (
    "SELECT e.account, sum(e.amount) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id"
    " WHERE e.loan_id = $1 AND t.kind <> 'disbursement' GROUP BY e.account"
)
_UPDATE_LOAN = (
    "UPDATE loans SET status = $2, outstanding_principal = $3, credit_balance = $4, days_past_due = $5,"
    " arrears_bucket = $6, next_due_date = $7, closed_on = $8, written_off_on = $9, event_count = $10,"
    " state_as_of = $11 WHERE id = $1"
)
_STATE_COLUMNS = (
    *_STATE_AMOUNTS,
    "due_date",
    "status",
    "days_past_due",
    "late_amount_days",
    "charged_through",
    "schedule_version",
)
_UPDATE_INSTALLMENT = (
    "UPDATE loan_installments SET "
    + ", ".join(f"{name} = ${n}" for n, name in enumerate(_STATE_COLUMNS, start=3))
    + " WHERE loan_id = $1 AND number = $2"
)
_INSERT_INSTALLMENT = (
    "INSERT INTO loan_installments (loan_id, principal, interest, fees, total, principal_remaining, origin, number, "
    + ", ".join(_STATE_COLUMNS)
    + ") VALUES ($1, $2, $3, $4, $5, 0, 'reschedule', "
    + ", ".join(f"${n}" for n in range(6, 6 + 1 + len(_STATE_COLUMNS)))
    + ")"
)
_BORROWER_OF = "SELECT a.borrower_id FROM loans l JOIN applicants a ON a.id = l.applicant_id WHERE l.id = $1"
_LOANS_OF_BORROWER = (
    "SELECT l.id FROM loans l JOIN applicants a ON a.id = l.applicant_id WHERE a.borrower_id = $1"
    " ORDER BY l.disbursed_on DESC, l.id"
)
# Each instalment with the terms of the reschedule that drew it up (none for the contract's).
_STATEMENT_LINES = (
    "SELECT i.*, e.value_date AS amended_on, e.details ->> 'annual_interest_rate' AS amended_rate,"
    " e.details ->> 'apr' AS amended_apr FROM loan_installments i"
    " LEFT JOIN loan_events e ON e.loan_id = i.loan_id AND e.sequence = i.schedule_version"
    " WHERE i.loan_id = $1 ORDER BY i.number"
)
_ENTRIES_SQL = "SELECT entry FROM loan_statement_entries WHERE loan_id = $1 ORDER BY sequence"


class SqlLoanServicing:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, loan_id: uuid.UUID, *, for_update: bool = True) -> ServicedLoan | None:
        connection = await in_transaction(self.session)
        loan_row = await connection.fetchrow(_LOCK_LOAN if for_update else _READ_LOAN, loan_id)
        if loan_row is None:
            return None
        currency = loan_row["currency"]
        # Read after the lock: these statements see every event committed before it was granted.
        rows = await connection.fetch("SELECT * FROM loan_installments WHERE loan_id = $1 ORDER BY number", loan_id)
        events = await connection.fetch("SELECT * FROM loan_events WHERE loan_id = $1 ORDER BY sequence", loan_id)
        schedule = tuple(contract_installment(r, currency) for r in rows if r["origin"] == "contract")
        return ServicedLoan(
            loan_from_row(loan_row, schedule, currency),
            tuple(_event(r, currency) for r in events),
            tuple(_installment_state(r, currency) for r in rows),
            loan_row["borrower_id"],
        )

    async def add_event(self, event: LoanEvent) -> None:
        details = _details(event)
        facts = facts_of(event)
        recorded_at = datetime.now(UTC)
        connection = await in_transaction(self.session)
        await connection.execute(
            _INSERT_EVENT,
            event.id,
            event.loan_id,
            event.sequence,
            event.kind.value,
            event.value_date,
            facts.amount,
            facts.channel.value if facts.channel else None,
            facts.external_reference,
            facts.reverses_id,
            facts.reason,
            msgspec.json.encode(details).decode(),
            event.ledger_transaction_id,
            event.recorded_by,
            recorded_at,
        )
        await connection.execute(
            _INSERT_ENTRY, event.id, event.loan_id, event.sequence, _statement_entry(event, recorded_at)
        )
        if isinstance(event, PaymentReversed):
            await connection.execute(_MARK_REVERSED, event.reverses_id)

    async def posted_balances(self, loan_id: uuid.UUID) -> Mapping[Account, Decimal]:
        connection = await in_transaction(self.session)
        rows = await connection.fetch(_POSTED_BALANCES, loan_id)
        return {Account(account): total for account, total in rows}

    async def write_state(
        self, loan: Loan, state: LoanState, stored: Sequence[InstallmentState], event_count: int
    ) -> None:
        status = "written_off" if state.written_off_on else "closed" if state.closed else "active"
        next_due = min(
            (i.due_date for i in state.installments if i.due_date >= state.as_of and i.outstanding > 0), default=None
        )
        connection = await in_transaction(self.session)
        await connection.execute(
            _UPDATE_LOAN,
            loan.id,
            status,
            state.outstanding_principal,
            state.credit_balance,
            state.days_past_due,
            state.arrears_bucket,
            next_due,
            state.closed_on,
            state.written_off_on,
            event_count,
            state.as_of,
        )
        before = {line.number: line for line in stored}
        changed = [line for line in state.installments if line.number in before and before[line.number] != line]
        added = [line for line in state.installments if line.number not in before]
        if changed:
            await connection.executemany(_UPDATE_INSTALLMENT, [(loan.id, *_state_tuple(line)) for line in changed])
        if added:
            await connection.executemany(
                _INSERT_INSTALLMENT,
                [
                    (
                        loan.id,
                        # A new instalment's own amounts, as drawn up (the contract columns).
                        line.principal_due,
                        line.interest_due,
                        line.fees_due,
                        line.principal_due + line.interest_due + line.fees_due,
                        *_state_tuple(line),
                    )
                    for line in added
                ],
            )

    async def schedule_document(self, loan_id: uuid.UUID) -> ScheduleDocument | None:
        async with read_only(self.session) as connection:
            return await fetch_schedule_document(connection, loan_id)

    async def loans_of_borrower(self, borrower_id: uuid.UUID) -> Sequence[uuid.UUID]:
        connection = await in_transaction(self.session)
        return [row["id"] for row in await connection.fetch(_LOANS_OF_BORROWER, borrower_id)]

    async def borrower_of(self, loan_id: uuid.UUID) -> uuid.UUID | None:
        async with read_only(self.session) as connection:
            borrower_id: uuid.UUID | None = await connection.fetchval(_BORROWER_OF, loan_id)
        return borrower_id

    async def statement(self, loan_id: uuid.UUID, *, transactions: bool = True) -> LoanStatement | None:
        async with read_only(self.session) as connection:
            return await self._statement(connection, loan_id, transactions)

    async def _statement(
        self, connection: RawConnection, loan_id: uuid.UUID, transactions: bool
    ) -> LoanStatement | None:
        row = await connection.fetchrow(_READ_LOAN, loan_id)
        if row is None:
            return None
        currency = row["currency"]
        lines = await connection.fetch(_STATEMENT_LINES, loan_id)
        summary = LoanSummary(
            id=row["id"],
            currency=row["currency"],
            principal=quantize(row["principal"], currency),
            annual_interest_rate=row["annual_interest_rate"],
            apr=row["apr"],
            status=row["status"],
            disbursed_on=row["disbursed_on"],
            outstanding_principal=quantize(row["outstanding_principal"], currency),
            credit_balance=quantize(row["credit_balance"], currency),
            days_past_due=row["days_past_due"],
            arrears_bucket=row["arrears_bucket"],
            next_due_date=row["next_due_date"],
            closed_on=row["closed_on"],
            written_off_on=row["written_off_on"],
            state_as_of=row["state_as_of"],
            borrower_id=row["borrower_id"],
        )
        installments = tuple(_statement_line(r, currency) for r in lines)
        contract = ScheduleTermsOf(
            version=0,
            starts_on=summary.disbursed_on,
            annual_interest_rate=summary.annual_interest_rate,
            apr=summary.apr,
        )
        amendments = {
            r["schedule_version"]: ScheduleTermsOf(
                version=r["schedule_version"],
                starts_on=r["amended_on"],
                annual_interest_rate=_optional_decimal(r["amended_rate"]),
                apr=_optional_decimal(r["amended_apr"]),
            )
            for r in lines
            if r["schedule_version"]
        }
        entries = await connection.fetch(_ENTRIES_SQL, loan_id) if transactions else ()
        listed = tuple(_ENTRIES.decode(row["entry"]) for row in entries)
        return LoanStatement(summary, installments, listed, (contract, *amendments.values()))
