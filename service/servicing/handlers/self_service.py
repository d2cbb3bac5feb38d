"""Borrower self-service: the borrower's own loans at a glance, and their schedule as files to
keep (a PDF, an iCalendar of due dates).

A borrower's loans are found from the borrower id of their signed-in principal, never from an id
the client sends; a schedule file of anyone else's loan is a 404, like an unknown loan.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.errors import Forbidden, NotFound
from domain.identity.model import Principal, may_see_loan
from domain.money import zero
from domain.servicing import payoff_quote
from service.servicing.ports import ScheduleExport, ServicingUnitOfWork

LANGUAGES = frozenset({"fr", "en"})
DEFAULT_LANGUAGE = "fr"


@dataclass(frozen=True, kw_only=True)
class BorrowerLoan:
    """One of the borrower's loans as the schedule shows it (its state as of ``as_of``), with what
    is due on the next due date and what paying it all off on ``payoff_on`` would cost."""

    id: uuid.UUID
    status: str
    currency: str
    principal: Decimal
    disbursed_on: date
    as_of: date | None
    outstanding_principal: Decimal
    next_due_date: date | None
    next_due_amount: Decimal
    days_past_due: int
    payoff_on: date
    payoff_amount: Decimal


async def borrower_loans(*, actor: Principal, uow: ServicingUnitOfWork, today: date) -> list[BorrowerLoan]:
    """The signed-in borrower's loans, latest disbursed first."""
    borrower_id = actor.borrower_id
    if borrower_id is None:
        raise Forbidden("only a borrower has loans of their own", code="auth.forbidden")
    loans: list[BorrowerLoan] = []
    async with uow:
        for loan_id in await uow.servicing.loans_of_borrower(borrower_id):
            found = await uow.servicing.statement(loan_id)
            serviced = await uow.servicing.lock(loan_id, for_update=False)
            if found is None or serviced is None or found.loan.borrower_id != borrower_id:
                continue  # gone or moved to someone else between the two statements
            summary, loan = found.loan, serviced.loan
            # Today, or the disbursement day for a loan paid out in the future (a payoff quote
            # cannot be dated before the disbursement).
            payoff_on = max(today, loan.disbursed_on)
            quote = payoff_quote(
                loan.installments,
                loan.servicing_terms,
                [e.as_servicing_event() for e in serviced.events],
                payoff_on,
                disbursed_on=loan.disbursed_on,
            )
            next_due_amount = sum(
                (i.outstanding for i in found.installments if i.due_date == summary.next_due_date),
                zero(summary.currency).amount,
            )
            loans.append(
                BorrowerLoan(
                    id=summary.id,
                    status=summary.status,
                    currency=summary.currency,
                    principal=summary.principal,
                    disbursed_on=summary.disbursed_on,
                    as_of=summary.state_as_of,
                    outstanding_principal=summary.outstanding_principal,
                    next_due_date=summary.next_due_date,
                    next_due_amount=next_due_amount,
                    days_past_due=summary.days_past_due,
                    payoff_on=payoff_on,
                    payoff_amount=quote.amount,
                )
            )
    return loans


async def schedule_export(
    loan_id: uuid.UUID, *, actor: Principal, uow: ServicingUnitOfWork, now: datetime, today: date
) -> ScheduleExport:
    """The loan's statement for a schedule file, in its borrower's language (French by default)."""
    async with uow:
        found = await uow.servicing.statement(loan_id)
        if found is None or not may_see_loan(actor, found.loan.borrower_id):
            raise NotFound("loan not found", code="loan.not_found")
        borrower_id = found.loan.borrower_id
        borrower = None if borrower_id is None else await uow.borrowers.get(borrower_id)
    language = borrower.language if borrower is not None and borrower.language in LANGUAGES else DEFAULT_LANGUAGE
    return ScheduleExport(
        statement=found,
        language=language,
        borrower_name=None if borrower is None else borrower.full_name,
        generated_at=now,
        generated_on=today,
    )
