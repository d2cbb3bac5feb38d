"""Finding a loan again: the staff's loan list, filtered by officer, product, partner, borrower,
status or arrears bucket, one page at a time."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence

from domain.errors import NotFound, RuleViolation
from domain.identity.model import Principal
from domain.loans.model import Disbursement, Loan
from service.servicing.ports import LoanListItem, LoanSearch, ServicingUnitOfWork

LOAN_STATUSES = ("active", "closed", "written_off")
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
    """Staff read every loan; a borrower reads only their own (anyone else's is a 404)."""
    async with uow:
        loan = await uow.loans.get(loan_id)
        if loan is not None and not actor.is_staff:
            theirs = actor.borrower_id is not None and loan_id in await uow.servicing.loans_of_borrower(
                actor.borrower_id
            )
            if not theirs:
                loan = None
        if loan is None:
            raise NotFound("loan not found", code="loan.not_found")
        return loan, await uow.loans.disbursements(loan.application_id)
