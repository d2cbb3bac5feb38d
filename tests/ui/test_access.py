"""Who may open which page and post which form: every page route, for every kind of caller.

The pages' own table, beside the API's (tests/contract/test_access_matrix.py): a page route without
a row here fails. Staff callers carry their session cookie and its form token, so what is tested is
the role; partners and borrowers bring their API credentials, which open no page. A form posted
empty by a role that may post it gets its page back with the errors (422); a role that may not gets
403; anyone not signed in is sent to the sign-in page (303).
"""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender, sign_in_borrower, sign_in_partner, sign_in_staff
from tests.contract.test_access_matrix import app_routes
from tests.origination.test_scenario import open_application
from tests.products.test_http import create as create_product
from tests.ui.access_ops import OPS_MATRIX, ops_values
from tests.ui.pages import csrf_of, sign_in_page

STAFF = ("admin", "loan_officer", "committee_member", "read_only")
OUTSIDERS = ("anonymous", "partner", "borrower")
CALLERS = (*STAFF, *OUTSIDERS)
OFFICERS = ("admin", "loan_officer")
COMMITTEE = ("admin", "committee_member")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def staff_only(ok: int, allowed: tuple[str, ...] = STAFF) -> dict[str, int]:
    """``ok`` for the allowed roles, 403 for the other staff, the sign-in page for everyone else."""
    return {**dict.fromkeys(STAFF, 403), **dict.fromkeys(allowed, ok), **dict.fromkeys(OUTSIDERS, 303)}


APPLICATION = "/ui/applications/{application_id}"
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): everyone(302),
    ("GET", "/login"): everyone(200),
    ("POST", "/login"): everyone(401),  # no credentials in the form
    ("POST", "/language"): everyone(303),
    ("GET", "/ui/static/{file_path}"): everyone(200),
    ("GET", "/ui"): staff_only(200),
    ("POST", "/ui/sign-out"): staff_only(303),
    ("GET", "/ui/people"): staff_only(200),
    ("GET", "/ui/people/{applicant_id}"): staff_only(200),
    ("GET", "/ui/pipeline"): staff_only(200),
    ("GET", "/ui/quote"): staff_only(200),
    ("GET", APPLICATION): staff_only(200),
    ("GET", f"{APPLICATION}/contract.pdf"): staff_only(422),  # no offer yet
    ("POST", f"{APPLICATION}/moves/{{move}}"): staff_only(422, OFFICERS),
    ("POST", f"{APPLICATION}/vote"): staff_only(422, COMMITTEE),
    ("POST", f"{APPLICATION}/decision"): staff_only(422, COMMITTEE),
    ("POST", f"{APPLICATION}/offer"): staff_only(422, OFFICERS),
    ("POST", f"{APPLICATION}/signature"): staff_only(422, OFFICERS),
    ("POST", f"{APPLICATION}/disbursement"): staff_only(422, OFFICERS),
    ("POST", f"{APPLICATION}/conditions/{{number}}"): staff_only(422, OFFICERS),
    **OPS_MATRIX,
}


def test_every_page_route_has_an_access_rule(app: Litestar) -> None:
    routes = app_routes(app, pages=True)
    assert not routes - set(MATRIX), f"page routes without an access rule: {sorted(routes - set(MATRIX))}"
    assert not set(MATRIX) - routes, f"rules for page routes that do not exist: {sorted(set(MATRIX) - routes)}"


@pytest.fixture
async def callers(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> dict[str, tuple[dict[str, str], str]]:
    """Each caller's headers (session cookie or API credentials) and form token."""
    result: dict[str, tuple[dict[str, str], str]] = {}
    for role in STAFF:
        await sign_in_staff(client, uow_factory, role.replace("_", "-"), role)
        client.cookies.clear()
        await sign_in_page(client, role.replace("_", "-"))
        cookie = {"cookie": f"mc_session={client.cookies['mc_session']}"}
        client.cookies.clear()
        result[role] = (cookie, csrf_of((await client.get("/ui/", headers=cookie)).text))
    partner = await sign_in_partner(client, uow_factory, "partner")
    borrower = await sign_in_borrower(client, uow_factory, code_sender, "borrower")
    for name, headers in (("anonymous", {}), ("partner", partner.headers), ("borrower", borrower.headers)):
        # An outsider may hold a form token of an anonymous session: the sign-in page gives one to anyone.
        client.cookies.clear()
        login = await client.get("/login", headers=headers)
        session = {"cookie": f"mc_session={client.cookies['mc_session']}"}
        client.cookies.clear()
        result[name] = ({**headers, **session}, csrf_of(login.text))
    return result


async def test_page_access_matrix(
    client: AsyncTestClient[Litestar],
    admin: Caller,
    callers: dict[str, tuple[dict[str, str], str]],
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    person = {"full_name": "Matrix Person", "email": "matrix@example.org", "situation": "job_seeker"}
    _, application, _ = await open_application(client, admin, product["id"], person, amount="3000.00", installments=12)
    values = {
        "application_id": application["id"],
        "applicant_id": application["applicant_id"],
        "move": "submit",
        "number": 1,
        "file_path": "ui.css",
        **await ops_values(uow_factory, admin.id),
    }
    failures = []
    # Signing out ends the callers' sessions: it goes last, whatever paths sort after it.
    for (method, template), expected in sorted(MATRIX.items(), key=lambda rule: (rule[0][1] == "/ui/sign-out", rule)):
        path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)
        for name in CALLERS:
            headers, token = callers[name]
            client.cookies.clear()
            # A username of its own per caller: failed sign-ins back off per account.
            form = {"data": {"_csrf": token, "username": f"nobody-{name}"}} if method == "POST" else {}
            response = await client.request(method, path, headers=headers, follow_redirects=False, **form)
            if response.status_code != expected[name]:
                failures.append(f"{method} {template} as {name}: {response.status_code}, expected {expected[name]}")
    assert not failures, "\n".join(failures)
