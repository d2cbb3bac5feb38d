"""The operations pages' rows of the pages' access matrix (tests/ui/test_access.py merges them),
and the objects their paths name."""

from __future__ import annotations

import uuid

from service.wiring import SqlUnitOfWorkFactory
from tests.loans import make_loan

STAFF = ("admin", "loan_officer", "committee_member", "read_only")
OUTSIDERS = ("anonymous", "partner", "borrower")
OFFICERS = ("admin", "loan_officer")
ADMIN = ("admin",)


def staff_only(ok: int, allowed: tuple[str, ...] = STAFF) -> dict[str, int]:
    return {**dict.fromkeys(STAFF, 403), **dict.fromkeys(allowed, ok), **dict.fromkeys(OUTSIDERS, 303)}


LOAN = "/ui/loans/{loan_id}"
CONTACT = f"{LOAN}/follow-up-contacts/{{contact_id}}"
# Posted empty, a form a role may post comes back with its errors (422).
OPS_MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/ui/loans"): staff_only(200),
    ("GET", LOAN): staff_only(200),
    ("POST", f"{LOAN}/payments/preview"): staff_only(422, OFFICERS),
    ("POST", f"{LOAN}/payments"): staff_only(422, OFFICERS),
    ("POST", f"{LOAN}/reschedule"): staff_only(422, OFFICERS),
    ("POST", f"{LOAN}/write-off"): staff_only(422, ADMIN),
    ("POST", f"{CONTACT}/outcome"): staff_only(422, OFFICERS),
    ("POST", f"{CONTACT}/mentor"): staff_only(422, OFFICERS),
}


async def ops_values(uow_factory: SqlUnitOfWorkFactory, officer_id: uuid.UUID) -> dict[str, str]:
    """The ids the operations pages' paths take: a loan (its contact is refused on the form's fields
    before it is looked up, so any id does)."""
    loan = await make_loan(uow_factory, officer_id=officer_id)
    return {"loan_id": str(loan.id), "contact_id": str(uuid.uuid4())}
