"""Finding a loan again: the staff's loan list, filtered by officer, product, partner, borrower,
status or arrears bucket, one page at a time."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.errors import NotFound, RuleViolation
from domain.identity.model import Principal, ensure_may_see_loan, may_see_loan
from domain.loans.model import Disbursement, Loan, LoanStatus
from service.servicing.ports import LoanListItem, LoanSearch, ScheduleVersion, ServicingUnitOfWork

LOAN_STATUSES = tuple(LoanStatus)
# Bucket labels follow each product's bounds (domain.servicing.arrears.bucket_labels):
# "current", "1-30", "31-60", ..., "over 90".
ARREARS_BUCKET = re.compile(r"^(current|\d{1,4}-\d{1,4}|over \d{1,4})$")


def check_search(criteria: LoanSearch) -> None:
    if criteria.status is not None and criteria.status not in LOAN_STATUSES:
        raise RuleViolation(f"must be one of {', '.join(LOAN_STATUSES)}", code="loan.invalid_filter", field="status")
    if criteria.arrears_bucket is not None and not ARREARS_BUCKET.match(criteria.arrears_bucket):
        raise RuleViolation(
            'must be "current", a range like "1-30" or "over 90"', code="loan.invalid_filter", field="arrears_bucket"
        )


async def list_loans(
    criteria: LoanSearch, *, uow: ServicingUnitOfWork, after: uuid.UUID | None, limit: int
) -> Sequence[LoanListItem]:
    check_search(criteria)
    async with uow:
        return await uow.loans.search(criteria, after=after, limit=limit)


async def loans_of_applications(
    application_ids: Sequence[uuid.UUID], *, uow: ServicingUnitOfWork
) -> Mapping[uuid.UUID, uuid.UUID]:
    """The loan of each disbursed application, by application id (an application shows its loan)."""
    if not application_ids:
        return {}
    async with uow:
        return await uow.loans.ids_for_applications(application_ids)


async def get_loan(
    loan_id: uuid.UUID, *, actor: Principal, uow: ServicingUnitOfWork
) -> tuple[Loan, Sequence[Disbursement]]:
    """The loan and its tranches, for whoever may see it (``may_see_loan``; anyone else gets a 404)."""
    async with uow:
        loan = await uow.loans.get(loan_id)
        if loan is None:
            raise NotFound("loan not found", code="loan.not_found")
        if not actor.is_staff:  # staff see every loan: no need to look up whose it is
            ensure_may_see_loan(actor, await uow.servicing.borrower_of(loan_id))
        return loan, await uow.loans.disbursements(loan.application_id)


@dataclass(frozen=True)
class LoanOverview:
    """A loan as GET /v1/loans/{id} shows it: its contract, its tranches and the schedule in force."""

    loan: Loan
    tranches: Sequence[Disbursement]
    live: ScheduleVersion


async def loan_overview(loan_id: uuid.UUID, *, actor: Principal, uow: ServicingUnitOfWork) -> LoanOverview:
    """One unit of work: the statement without its transactions (who may see it, the live schedule),
    the contract's loan and its tranches."""
    async with uow:
        found = await uow.servicing.statement(loan_id, transactions=False)
        if found is None or not may_see_loan(actor, found.loan.borrower_id):
            raise NotFound("loan not found", code="loan.not_found")
        loan = await uow.loans.get(loan_id)
        assert loan is not None  # the statement found it in this transaction
        return LoanOverview(loan, await uow.loans.disbursements(loan.application_id), found.live_schedule())
