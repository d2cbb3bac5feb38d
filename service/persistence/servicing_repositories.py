"""Loan servicing in PostgreSQL: the loan locked with its events, its state written back, its statement.

Core statements, not ORM loads: a payment and a statement are hot paths (issue 5 speed targets).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ledger.model import Account
from domain.loans.events import LoanEvent, LoanEventKind
from domain.loans.model import Loan
from domain.money import minor_unit
from domain.schedules import Installment
from domain.servicing import InstallmentState, InstallmentStatus, LoanState, PaymentChannel
from service.persistence.loan_tables import LedgerEntryRow, LedgerTransactionRow, LoanInstallmentRow, LoanRow
from service.persistence.mapping import servicing_from_json
from service.persistence.origination_tables import ApplicantRow
from service.persistence.servicing_tables import LoanEventRow
from service.usecases.servicing_ports import LoanStatement, LoanSummary, ServicedLoan

LOANS: Table = LoanRow.__table__  # type: ignore[assignment]
INSTALLMENTS: Table = LoanInstallmentRow.__table__  # type: ignore[assignment]
EVENTS: Table = LoanEventRow.__table__  # type: ignore[assignment]
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


def _installment_state(row: RowMapping, unit: Decimal) -> InstallmentState:
    amounts = {name: row[name].quantize(unit) for name in _STATE_AMOUNTS}
    return InstallmentState(
        number=row["number"],
        due_date=row["due_date"],
        days_past_due=row["days_past_due"],
        status=InstallmentStatus(row["status"]),
        late_amount_days=row["late_amount_days"].quantize(unit),
        charged_through=row["charged_through"],
        **amounts,
    )


def _state_values(line: InstallmentState) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(line, name) for name in _STATE_AMOUNTS}
    values.update(
        due_date=line.due_date,
        status=line.status.value,
        days_past_due=line.days_past_due,
        late_amount_days=line.late_amount_days,
        charged_through=line.charged_through,
    )
    return values


def _installment_json(i: Installment) -> dict[str, Any]:
    return {
        "number": i.number,
        "due_date": i.due_date.isoformat(),
        "principal": str(i.principal),
        "interest": str(i.interest),
        "fees": str(i.fees),
        "total": str(i.total),
        "principal_remaining": str(i.principal_remaining),
    }


def _installment_from_json(data: dict[str, Any]) -> Installment:
    return Installment(
        data["number"],
        date.fromisoformat(data["due_date"]),
        Decimal(data["principal"]),
        Decimal(data["interest"]),
        Decimal(data["fees"]),
        Decimal(data["total"]),
        Decimal(data["principal_remaining"]),
    )


def _event(row: RowMapping, unit: Decimal) -> LoanEvent:
    return LoanEvent(
        id=row["id"],
        loan_id=row["loan_id"],
        sequence=row["sequence"],
        kind=LoanEventKind(row["kind"]),
        value_date=row["value_date"],
        recorded_by=row["recorded_by"],
        amount=row["amount"].quantize(unit) if row["amount"] is not None else None,
        channel=PaymentChannel(row["channel"]) if row["channel"] else None,
        external_reference=row["external_reference"],
        reverses_id=row["reverses_id"],
        reason=row["reason"],
        installments=tuple(_installment_from_json(i) for i in row["details"].get("installments", ())),
        ledger_transaction_id=row["ledger_transaction_id"],
        recorded_at=row["recorded_at"],
    )


def _loan(row: RowMapping, schedule: tuple[Installment, ...], unit: Decimal) -> Loan:
    return Loan(
        id=row["id"],
        application_id=row["application_id"],
        applicant_id=row["applicant_id"],
        officer_id=row["officer_id"],
        product_id=row["product_id"],
        product_version=row["product_version"],
        currency=row["currency"],
        principal=row["principal"].quantize(unit),
        annual_interest_rate=row["annual_interest_rate"],
        apr=row["apr"].quantize(unit),
        status=row["status"],
        disbursed_on=row["disbursed_on"],
        installments=schedule,
        servicing=servicing_from_json(row["currency"], row["servicing"]),
        partner_id=row["partner_id"],
    )


def _contract(row: RowMapping, unit: Decimal) -> Installment:
    return Installment(
        row["number"],
        row["due_date"],
        row["principal"].quantize(unit),
        row["interest"].quantize(unit),
        row["fees"].quantize(unit),
        row["total"].quantize(unit),
        row["principal_remaining"].quantize(unit),
    )


_LOAN_WITH_BORROWER = select(LOANS, ApplicantRow.borrower_id).join_from(
    LOANS, ApplicantRow.__table__, ApplicantRow.id == LOANS.c.applicant_id
)


class SqlLoanServicing:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, loan_id: uuid.UUID, *, for_update: bool = True) -> ServicedLoan | None:
        query = _LOAN_WITH_BORROWER.where(LOANS.c.id == loan_id)
        if for_update:
            query = query.with_for_update(of=LOANS)
        loan_row = (await self.session.execute(query)).mappings().first()
        if loan_row is None:
            return None
        unit = minor_unit(loan_row["currency"])
        rows = (
            (
                await self.session.execute(
                    select(INSTALLMENTS).where(INSTALLMENTS.c.loan_id == loan_id).order_by(INSTALLMENTS.c.number)
                )
            )
            .mappings()
            .all()
        )
        events = await self._events(loan_id, unit)
        schedule = tuple(_contract(r, unit) for r in rows if r["origin"] == "contract")
        return ServicedLoan(
            _loan(loan_row, schedule, unit),
            events,
            tuple(_installment_state(r, unit) for r in rows),
            loan_row["borrower_id"],
        )

    async def _events(self, loan_id: uuid.UUID, unit: Decimal) -> tuple[LoanEvent, ...]:
        rows = (
            (await self.session.execute(select(EVENTS).where(EVENTS.c.loan_id == loan_id).order_by(EVENTS.c.sequence)))
            .mappings()
            .all()
        )
        return tuple(_event(r, unit) for r in rows)

    async def add_event(self, event: LoanEvent) -> None:
        details = {"installments": [_installment_json(i) for i in event.installments]} if event.installments else {}
        await self.session.execute(
            insert(EVENTS).values(
                id=event.id,
                loan_id=event.loan_id,
                sequence=event.sequence,
                kind=event.kind.value,
                value_date=event.value_date,
                amount=event.amount,
                channel=event.channel.value if event.channel else None,
                external_reference=event.external_reference,
                reverses_id=event.reverses_id,
                reason=event.reason,
                details=details,
                ledger_transaction_id=event.ledger_transaction_id,
                recorded_by=event.recorded_by,
            )
        )

    async def posted_balances(self, loan_id: uuid.UUID) -> Mapping[Account, Decimal]:
        entries = LedgerEntryRow.__table__
        transactions = LedgerTransactionRow.__table__
        rows = await self.session.execute(
            select(entries.c.account, func.sum(entries.c.amount))
            .join_from(entries, transactions, transactions.c.id == entries.c.transaction_id)
            .where(entries.c.loan_id == loan_id, transactions.c.kind != "disbursement")
            .group_by(entries.c.account)
        )
        return {Account(account): Decimal(total) for account, total in rows.all()}

    async def write_state(
        self, loan: Loan, state: LoanState, stored: Sequence[InstallmentState], event_count: int
    ) -> None:
        status = "written_off" if state.written_off_on else "closed" if state.closed else "active"
        next_due = min(
            (i.due_date for i in state.installments if i.due_date >= state.as_of and i.outstanding > 0), default=None
        )
        await self.session.execute(
            update(LOANS)
            .where(LOANS.c.id == loan.id)
            .values(
                status=status,
                outstanding_principal=state.outstanding_principal,
                credit_balance=state.credit_balance,
                days_past_due=state.days_past_due,
                arrears_bucket=state.arrears_bucket,
                next_due_date=next_due,
                closed_on=state.closed_on,
                written_off_on=state.written_off_on,
                event_count=event_count,
                state_as_of=state.as_of,
            )
        )
        before = {line.number: line for line in stored}
        changed = [line for line in state.installments if line.number in before and before[line.number] != line]
        added = [line for line in state.installments if line.number not in before]
        if changed:
            statement = (
                update(INSTALLMENTS)
                .where(INSTALLMENTS.c.loan_id == bindparam("b_loan_id"), INSTALLMENTS.c.number == bindparam("b_number"))
                .values({name: bindparam(name) for name in _state_values(changed[0])})
            )
            await self.session.execute(
                statement,
                [{"b_loan_id": loan.id, "b_number": line.number, **_state_values(line)} for line in changed],
            )
        if added:
            await self.session.execute(
                insert(INSTALLMENTS),
                [
                    {
                        "loan_id": loan.id,
                        "number": line.number,
                        "origin": "reschedule",
                        # A new instalment's own amounts, as drawn up (the contract columns).
                        "principal": line.principal_due,
                        "interest": line.interest_due,
                        "fees": line.fees_due,
                        "total": line.principal_due + line.interest_due + line.fees_due,
                        "principal_remaining": Decimal(0),
                        **_state_values(line),
                    }
                    for line in added
                ],
            )

    async def statement(self, loan_id: uuid.UUID) -> LoanStatement | None:
        row = (await self.session.execute(_LOAN_WITH_BORROWER.where(LOANS.c.id == loan_id))).mappings().first()
        if row is None:
            return None
        unit = minor_unit(row["currency"])
        lines = (
            (
                await self.session.execute(
                    select(INSTALLMENTS).where(INSTALLMENTS.c.loan_id == loan_id).order_by(INSTALLMENTS.c.number)
                )
            )
            .mappings()
            .all()
        )
        summary = LoanSummary(
            id=row["id"],
            currency=row["currency"],
            principal=row["principal"].quantize(unit),
            annual_interest_rate=row["annual_interest_rate"],
            apr=row["apr"].quantize(unit),
            status=row["status"],
            disbursed_on=row["disbursed_on"],
            outstanding_principal=row["outstanding_principal"].quantize(unit),
            credit_balance=row["credit_balance"].quantize(unit),
            days_past_due=row["days_past_due"],
            arrears_bucket=row["arrears_bucket"],
            next_due_date=row["next_due_date"],
            closed_on=row["closed_on"],
            written_off_on=row["written_off_on"],
            state_as_of=row["state_as_of"],
            borrower_id=row["borrower_id"],
        )
        return LoanStatement(
            summary, tuple(_installment_state(r, unit) for r in lines), await self._events(loan_id, unit)
        )
