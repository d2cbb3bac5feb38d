"""The operations pages' rows of the pages' access matrix (tests/ui/test_access.py merges them),
and the objects their paths name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from service.identity.handlers import create_api_key, create_partner
from service.training import handlers as training
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
PARTNER = "/ui/admin/partners/{partner_id}"
SESSION = "/ui/training/sessions/{session_id}"
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
    ("GET", "/ui/admin"): staff_only(200, ADMIN),
    ("GET", "/ui/admin/staff"): staff_only(200, ADMIN),
    ("POST", "/ui/admin/staff"): staff_only(422, ADMIN),
    ("POST", "/ui/admin/staff/{user_id}/roles"): staff_only(422, ADMIN),
    ("GET", "/ui/admin/partners"): staff_only(200, ADMIN),
    ("POST", "/ui/admin/partners"): staff_only(422, ADMIN),
    ("GET", PARTNER): staff_only(200, ADMIN),
    ("POST", f"{PARTNER}/api-keys"): staff_only(422, ADMIN),
    ("POST", f"{PARTNER}/api-keys/{{key_id}}/revocation"): staff_only(303, ADMIN),  # revoking twice is no error
    ("GET", "/ui/admin/products"): staff_only(200),
    ("GET", "/ui/admin/products/{product_id}"): staff_only(200),
    ("GET", "/ui/admin/legal"): staff_only(200),
    ("GET", "/ui/admin/notices"): staff_only(200),
    ("GET", "/ui/training"): staff_only(200),
    ("POST", "/ui/training/programmes"): staff_only(422, OFFICERS),
    ("POST", "/ui/training/sessions"): staff_only(422, OFFICERS),
    ("GET", SESSION): staff_only(200),
    ("POST", f"{SESSION}/enrolments"): staff_only(422, OFFICERS),
    ("POST", f"{SESSION}/enrolments/{{enrolment_id}}/completion"): staff_only(422, OFFICERS),
    ("GET", f"{SESSION}/attendance/{{day}}"): staff_only(200),
    ("POST", f"{SESSION}/attendance/{{day}}"): staff_only(303, OFFICERS),  # nobody enrolled: nothing to record
}


async def ops_values(uow_factory: SqlUnitOfWorkFactory, officer_id: uuid.UUID) -> dict[str, str]:
    """The ids the operations pages' paths take: a loan, a partner and its key, a product (a contact
    or a staff user is refused on the form's fields before it is looked up, so any id does)."""
    loan = await make_loan(uow_factory, officer_id=officer_id)
    now = datetime.now(UTC)
    partner = await create_partner("Matrix partner", "other", uow=uow_factory(), now=now)
    key, _ = await create_api_key(partner.id, "matrix", uow=uow_factory(), now=now)
    today = datetime.now(UTC).date()
    programme = await training.create_programme(
        training.CreateProgramme(name="Matrix", provider_name="BGE", duration_days=3), uow=uow_factory(), now=now
    )
    session = await training.schedule_session(
        training.ScheduleSession(
            programme_id=programme.id, starts_on=today, ends_on=today, capacity=5, trainer="T", location="L"
        ),
        uow=uow_factory(),
        now=now,
        today=today,
    )
    return {
        "loan_id": str(loan.id),
        "contact_id": str(uuid.uuid4()),
        "user_id": str(uuid.uuid4()),
        "partner_id": str(partner.id),
        "key_id": str(key.id),
        "product_id": str(loan.product_id),
        "session_id": str(session.session.id),
        "enrolment_id": str(uuid.uuid4()),
        "day": today.isoformat(),
    }
