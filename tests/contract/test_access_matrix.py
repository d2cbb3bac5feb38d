"""Who may call what: every route of the app, for every kind of caller.

The table below is the access policy. A route added to the app without a row here fails the test,
so nobody ships an endpoint without deciding who may call it. Requests carry an empty JSON body:
a caller the guards let through gets the schema's 400, one they stop gets 401/403, and an object
of someone else's gets 404.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from domain.identity.model import Principal, PrincipalKind, Role
from domain.money import money
from domain.origination.applicants import BusinessProject, Situation
from service.identity.handlers import create_api_key
from service.kernel.idempotency import IdempotencyKey
from service.origination.handlers.applicants import ReferPerson, refer_person, save_project
from service.origination.handlers.applications import CreateApplication, create_application
from service.products.handlers import create_product
from service.training.handlers import (
    CreateProgramme,
    ScheduleSession,
    create_programme,
    enrol_applicant,
    schedule_session,
)
from service.ui.routes import PAGE_PATHS
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender, sign_in_borrower, sign_in_partner, sign_in_staff
from tests.products.test_http import sample_terms

OFFICERS = ("admin", "loan_officer")


def is_page(path: str) -> bool:
    return any(re.search(pattern, path) for pattern in PAGE_PATHS)


STAFF = ("admin", "loan_officer", "committee_member", "read_only")
CALLERS = (
    "anonymous",
    "loan_officer",
    "committee_member",
    "read_only",
    "partner_a",
    "partner_b",
    "borrower_a",
    "borrower_b",
    "admin",
)


def public(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def protected(ok: int, staff: tuple[str, ...], **others: int) -> dict[str, int]:
    """401 for anonymous, ``ok`` for the listed staff roles and for ``others`` as given, 403 for the rest."""
    table = dict.fromkeys(CALLERS, 403)
    table["anonymous"] = 401
    table.update(dict.fromkeys(staff, ok))
    table.update(others)
    return table


SIGNED_IN = {**dict.fromkeys(CALLERS, 200), "anonymous": 401}

MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/health/live"): public(200),
    ("GET", "/health/ready"): public(200),
    ("POST", "/v1/auth/token"): public(400),
    ("GET", "/v1/auth/me"): SIGNED_IN,
    ("POST", "/v1/borrower-auth/codes"): public(400),
    ("POST", "/v1/borrower-auth/tokens"): public(400),
    ("POST", "/v1/borrowers"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/borrowers/{borrower_id}"): protected(200, STAFF, borrower_a=200, borrower_b=404),
    ("GET", "/v1/partners"): protected(200, STAFF),
    ("POST", "/v1/partners"): protected(400, ("admin",)),
    ("GET", "/v1/partners/{partner_id}"): protected(200, STAFF, partner_a=200, partner_b=404),
    ("GET", "/v1/partners/{partner_id}/api-keys"): protected(200, ("admin",)),
    ("POST", "/v1/partners/{partner_id}/api-keys"): protected(400, ("admin",)),
    ("DELETE", "/v1/partners/{partner_id}/api-keys/{key_id}"): protected(200, ("admin",)),
    ("GET", "/v1/staff-users"): protected(200, ("admin",)),
    ("POST", "/v1/staff-users"): protected(400, ("admin",)),
    ("PATCH", "/v1/staff-users/{user_id}"): protected(400, ("admin",)),
    ("POST", "/v1/loan-quotes"): public(400),
    ("POST", "/v1/apr-calculations"): public(400),
    ("POST", "/v1/loan-products"): protected(400, ("admin",)),
    ("GET", "/v1/loan-products"): protected(200, STAFF, partner_a=200, partner_b=200),
    ("GET", "/v1/loan-products/{product_id}"): protected(200, STAFF, partner_a=200, partner_b=200),
    ("PATCH", "/v1/loan-products/{product_id}"): protected(400, ("admin",)),
    ("POST", "/v1/loan-products/{product_id}/versions"): protected(400, ("admin",)),
    ("GET", "/v1/loan-products/{product_id}/versions/{version}"): protected(200, STAFF),
    ("POST", "/v1/legal-ceilings"): protected(400, ("admin",)),
    ("GET", "/v1/legal-ceilings"): protected(200, STAFF),
    ("POST", "/v1/usury-thresholds"): protected(400, ("admin",)),
    ("GET", "/v1/usury-thresholds"): protected(200, STAFF),
    ("POST", "/v1/referrals"): protected(400, (), partner_a=400, partner_b=400),
    ("GET", "/v1/referrals"): protected(200, (), partner_a=200, partner_b=200),
    ("GET", "/v1/referrals/{referral_id}"): protected(200, STAFF, partner_a=200, partner_b=404),
    ("POST", "/v1/applicants"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/applicants"): protected(200, STAFF),
    ("GET", "/v1/applicants/{applicant_id}"): protected(200, STAFF),
    ("PATCH", "/v1/applicants/{applicant_id}"): protected(400, ("admin", "loan_officer")),
    ("PUT", "/v1/applicants/{applicant_id}/project"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/applicants/{applicant_id}/project"): protected(200, STAFF),
    ("GET", "/v1/applicants/{applicant_id}/referrals"): protected(200, STAFF),
    ("POST", "/v1/training-programmes"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/training-programmes"): protected(200, STAFF),
    ("GET", "/v1/training-programmes/{programme_id}"): protected(200, STAFF),
    ("POST", "/v1/training-sessions"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/training-sessions"): protected(200, STAFF),
    ("GET", "/v1/training-sessions/{session_id}"): protected(200, STAFF),
    ("POST", "/v1/training-sessions/{session_id}/enrolments"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/training-sessions/{session_id}/attendance"): protected(200, STAFF),
    ("GET", "/v1/training-sessions/{session_id}/enrolments"): protected(200, STAFF),
    ("POST", "/v1/enrolments/{enrolment_id}/move"): protected(400, ("admin", "loan_officer")),
    ("PUT", "/v1/enrolments/{enrolment_id}/attendance/{day}"): protected(400, ("admin", "loan_officer")),
    ("POST", "/v1/enrolments/{enrolment_id}/completion"): protected(400, ("admin", "loan_officer")),
    ("GET", "/v1/applicants/{applicant_id}/enrolments"): protected(200, STAFF),
    ("POST", "/v1/applications"): protected(400, OFFICERS),
    ("GET", "/v1/applications"): protected(200, STAFF),
    ("GET", "/v1/pipeline/counts"): protected(200, STAFF),
    ("GET", "/v1/applications/{application_id}"): protected(200, STAFF),
    ("POST", "/v1/applications/{application_id}/submission"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/review"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/committee-referral"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/withdrawal"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/votes"): protected(400, ("admin", "committee_member")),
    ("GET", "/v1/applications/{application_id}/votes"): protected(200, STAFF),
    ("GET", "/v1/applications/{application_id}/decisions"): protected(200, STAFF),
    ("POST", "/v1/applications/{application_id}/decision"): protected(400, ("admin", "committee_member")),
    ("POST", "/v1/applications/{application_id}/conditions/{number}/fulfilment"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/offer"): protected(400, OFFICERS),
    ("POST", "/v1/applications/{application_id}/signature"): protected(400, OFFICERS),
    ("GET", "/v1/applications/{application_id}/contract"): protected(422, STAFF),  # no offer yet
    ("POST", "/v1/applications/{application_id}/disbursements"): protected(400, OFFICERS),
    ("GET", "/v1/applications/{application_id}/history"): protected(200, ("admin",)),
    # An unknown loan: the guard lets staff and borrowers through, the use case answers 404.
    ("GET", "/v1/loans"): protected(200, STAFF),  # borrowers and partners: 403
    ("GET", "/v1/loans/{loan_id}"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/notices/failed"): protected(200, STAFF),
    ("GET", "/v1/loans/{loan_id}/schedule"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/loans/{loan_id}/payoff"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/loans/{loan_id}/schedule.pdf"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/loans/{loan_id}/schedule.ics"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/loans/{loan_id}/contract.pdf"): protected(404, STAFF, borrower_a=404, borrower_b=404),
    ("GET", "/v1/borrower/loans"): protected(200, (), borrower_a=200, borrower_b=200),
    ("POST", "/v1/loans/{loan_id}/payments"): protected(400, OFFICERS),
    ("POST", "/v1/loans/{loan_id}/payments/preview"): protected(400, OFFICERS),
    ("POST", "/v1/loans/{loan_id}/payments/{payment_id}/reversal"): protected(400, OFFICERS),
    ("POST", "/v1/loans/{loan_id}/write-off"): protected(400, ("admin",)),
    ("POST", "/v1/loans/{loan_id}/reschedules"): protected(400, OFFICERS),
    ("GET", "/v1/portfolio/indicators"): protected(400, STAFF),
    ("GET", "/v1/portfolio/pipeline"): protected(400, STAFF),  # from and to are required
    ("GET", "/v1/portfolio/monthly"): protected(400, STAFF),
    ("GET", "/v1/loans/{loan_id}/follow-up"): protected(404, STAFF),  # an unknown loan
    ("POST", "/v1/loans/{loan_id}/follow-up/contacts"): protected(400, OFFICERS),
    ("POST", "/v1/follow-up-contacts/{contact_id}/outcome"): protected(400, OFFICERS),
    ("POST", "/v1/follow-up-contacts/{contact_id}/assignment"): protected(404, OFFICERS),
    ("GET", "/v1/follow-up/agenda"): protected(200, STAFF),
    ("GET", "/v1/follow-up/report"): protected(200, STAFF),
    # Sorted, the erasure runs after every read of the person and before the PUTs (which answer 400).
    ("GET", "/v1/privacy/persons/{applicant_id}/export"): protected(200, ("admin",)),
    ("GET", "/v1/privacy/persons/{applicant_id}/export.pdf"): protected(200, ("admin",)),
    ("GET", "/v1/privacy/persons/{applicant_id}/audit"): protected(200, ("admin",)),
    ("POST", "/v1/privacy/persons/{applicant_id}/erasure"): protected(200, ("admin",)),
    ("PUT", "/v1/privacy/persons/{applicant_id}/hold"): protected(400, ("admin",)),
    ("POST", "/v1/privacy/persons/{applicant_id}/rectifications"): protected(400, OFFICERS),
    ("GET", "/v1/privacy/staff/{staff_id}/audit"): protected(200, ("admin",)),
    ("GET", "/v1/privacy/referrals/{referral_id}/consent"): protected(200, ("admin",)),
    ("GET", "/v1/partner/referrals"): protected(200, (), partner_a=200, partner_b=200),
    ("GET", "/v1/partner/referrals/{referral_id}"): protected(200, (), partner_a=200, partner_b=404),
    ("POST", "/v1/partner/referrals/{referral_id}/consent-withdrawal"): protected(
        200, OFFICERS, partner_a=200, partner_b=404
    ),
    ("GET", "/v1/partner/outcome-figures"): protected(200, (), partner_a=200, partner_b=200),
    ("GET", "/v1/partner/events"): protected(200, (), partner_a=200, partner_b=200),
    ("POST", "/v1/partner/webhooks"): protected(400, (), partner_a=400, partner_b=400),
    ("GET", "/v1/partner/webhooks"): protected(200, (), partner_a=200, partner_b=200),
    # An unknown endpoint or delivery (and another partner's): 404.
    ("POST", "/v1/partner/webhooks/{endpoint_id}/secret-rotation"): protected(404, (), partner_a=404, partner_b=404),
    ("POST", "/v1/partner/webhooks/{endpoint_id}/enabling"): protected(404, (), partner_a=404, partner_b=404),
    ("GET", "/v1/partner/webhook-deliveries/failed"): protected(200, (), partner_a=200, partner_b=200),
    ("POST", "/v1/partner/webhook-deliveries/{delivery_id}/resend"): protected(404, (), partner_a=404, partner_b=404),
    ("POST", "/v1/partners/{partner_id}/webhooks"): protected(400, ("admin",)),
    ("GET", "/v1/partners/{partner_id}/webhooks"): protected(200, ("admin",)),
}


def app_routes(app: Litestar, *, pages: bool = False) -> set[tuple[str, str]]:
    """The API's routes, or with ``pages`` the officers' pages (their table is tests/ui/test_access.py)."""
    routes = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/schema"):
            continue
        if is_page(route.path) != pages:
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        routes.update((method, path) for method in route.methods if method not in {"OPTIONS", "HEAD"})
    return routes


def test_every_route_has_an_access_rule(app: Litestar) -> None:
    missing = app_routes(app) - set(MATRIX)
    stale = set(MATRIX) - app_routes(app)
    assert not missing, f"routes without an access rule: {sorted(missing)}"
    assert not stale, f"rules for routes that do not exist: {sorted(stale)}"


@pytest.fixture
async def callers(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> dict[str, Caller]:
    result = {"anonymous": Caller("anonymous", {})}
    for role in STAFF:
        result[role] = await sign_in_staff(client, uow_factory, role.replace("_", "-"), role)
    for name in ("partner_a", "partner_b"):
        result[name] = await sign_in_partner(client, uow_factory, name)
    # The revocation route gets a spare key, so that partner_a keeps the one it signs in with.
    spare, _ = await create_api_key(result["partner_a"].id, "spare", uow=uow_factory(), now=datetime.now(UTC))
    result["partner_a"].extra["spare_key_id"] = spare.id
    for name in ("borrower_a", "borrower_b"):
        result[name] = await sign_in_borrower(client, uow_factory, code_sender, name.replace("_", "-"))
    referral = await refer_person(
        ReferPerson(
            full_name="Matrix Person",
            email="matrix@example.org",
            phone=None,
            situation=Situation.JOB_SEEKER,
            project_idea="x",
            partner_contact_name="c",
            partner_contact_email="c@example.org",
            consent_given=True,
            consent_given_on=date(2026, 1, 1),
        ),
        partner_id=result["partner_a"].id,
        idempotency=IdempotencyKey("matrix", "k", "h"),
        uow=uow_factory(),
        now=datetime.now(UTC),
        today=date(2026, 1, 1),
    )
    result["anonymous"].extra["referral_id"] = referral.referral.id
    result["anonymous"].extra["applicant_id"] = referral.referral.applicant_id
    await save_project(
        BusinessProject(applicant_id=referral.referral.applicant_id, activity="a", legal_status="EI", currency="EUR"),
        expected_version=None,
        uow=uow_factory(),
    )
    product = await create_product("MATRIX", "Matrix product", sample_terms(), uow=uow_factory(), now=datetime.now(UTC))
    result["anonymous"].extra["product_id"] = product.id
    programme = await create_programme(
        CreateProgramme(name="Matrix training", provider_name="Matrix provider", duration_days=10),
        uow=uow_factory(),
        now=datetime.now(UTC),
    )
    session = await schedule_session(
        ScheduleSession(
            programme_id=programme.id,
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 1, 16),
            capacity=15,
            trainer="Matrix trainer",
            location="Matrix room",
        ),
        uow=uow_factory(),
        now=datetime.now(UTC),
        today=date(2026, 1, 5),
    )
    enrolment = await enrol_applicant(
        session.session.id, referral.referral.applicant_id, uow=uow_factory(), now=datetime.now(UTC)
    )
    result["anonymous"].extra["programme_id"] = programme.id
    result["anonymous"].extra["session_id"] = session.session.id
    result["anonymous"].extra["enrolment_id"] = enrolment.id
    application = await create_application(
        CreateApplication(
            applicant_id=referral.referral.applicant_id,
            product_id=product.id,
            amount=money("5000.00", "EUR"),
            number_of_installments=24,
            purpose="matrix",
        ),
        actor=Principal(PrincipalKind.STAFF, result["loan_officer"].id, frozenset({Role.LOAN_OFFICER})),
        uow=uow_factory(),
        now=datetime.now(UTC),
    )
    result["anonymous"].extra["application_id"] = application.id
    return result


def concrete_path(template: str, callers: dict[str, Caller]) -> str:
    values = {
        "partner_id": callers["partner_a"].id,
        "key_id": callers["partner_a"].extra["spare_key_id"],
        "borrower_id": callers["borrower_a"].id,
        "user_id": callers["loan_officer"].id,
        "staff_id": callers["loan_officer"].id,
        "product_id": callers["anonymous"].extra["product_id"],
        "referral_id": callers["anonymous"].extra["referral_id"],
        "applicant_id": callers["anonymous"].extra["applicant_id"],
        "programme_id": callers["anonymous"].extra["programme_id"],
        "session_id": callers["anonymous"].extra["session_id"],
        "enrolment_id": callers["anonymous"].extra["enrolment_id"],
        "day": "2026-01-05",
        "application_id": callers["anonymous"].extra["application_id"],
        "loan_id": "01900000-0000-7000-8000-000000000000",
        "payment_id": "01900000-0000-7000-8000-000000000001",
        "contact_id": "01900000-0000-7000-8000-000000000002",
        "endpoint_id": "01900000-0000-7000-8000-000000000003",
        "delivery_id": "01900000-0000-7000-8000-000000000004",
        "version": 1,
        "number": 1,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


async def test_access_matrix(client: AsyncTestClient[Litestar], callers: dict[str, Caller]) -> None:
    failures = []
    for (method, template), expected in sorted(MATRIX.items()):
        path = concrete_path(template, callers)
        for name in CALLERS:
            body = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
            response = await client.request(method, path, headers=callers[name].headers, **body)
            if response.status_code != expected[name]:
                failures.append(f"{method} {template} as {name}: {response.status_code}, expected {expected[name]}")
    assert not failures, "\n".join(failures)
