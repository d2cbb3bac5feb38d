"""Finding a loan again: the staff's loan list, filtered by officer, product, partner, borrower,
status or arrears bucket, one page at a time."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence

from domain.errors import RuleViolation
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
