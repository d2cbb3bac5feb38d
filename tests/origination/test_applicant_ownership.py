"""The officer who creates or takes a file owns it until reassigned, so "my applicants"
(GET /v1/applicants?officer_id=me) lists them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.servicing import ServicingTerms
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_partner, sign_in_staff
from tests.loans import make_product
from tests.origination.test_referrals import REFERRAL, refer, referred_applicant

Client = AsyncTestClient[Litestar]


async def mine(client: Client, officer: Caller) -> list[str]:
    found = await client.get("/v1/applicants", params={"officer_id": str(officer.id)}, headers=officer.headers)
    assert found.status_code == 200, found.text
    return [a["full_name"] for a in found.json()["items"]]


async def test_an_officer_registering_a_walk_in_owns_it(
    client: Client, uow_factory: SqlUnitOfWorkFactory, officer: Caller, admin: Caller
) -> None:
    body = {"full_name": "Lina Haddad", "email": "lina@example.org", "situation": "job_seeker"}
    created = await client.post("/v1/applicants", json=body, headers=officer.headers)
    assert created.status_code == 201, created.text
    assert created.json()["officer_id"] == str(officer.id)
    # An admin who is not a loan officer owns nothing; naming the officer still works.
    other = await sign_in_staff(client, uow_factory, "second-officer", "loan_officer")
    by_admin = await client.post(
        "/v1/applicants", json={**body, "email": "sami@example.org", "full_name": "Sami Haddad"}, headers=admin.headers
    )
    assert by_admin.json()["officer_id"] is None
    for_other = await client.post(
        "/v1/applicants",
        json={**body, "email": "noor@example.org", "full_name": "Noor Haddad", "officer_id": str(other.id)},
        headers=officer.headers,
    )
    assert for_other.json()["officer_id"] == str(other.id)
    assert await mine(client, officer) == ["Lina Haddad"]
    assert await mine(client, other) == ["Noor Haddad"]


async def test_an_officer_taking_a_referred_file_owns_it_until_reassigned(
    client: Client, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    referral = (await refer(client, partner, REFERRAL, "own-1")).json()
    url = f"/v1/applicants/{await referred_applicant(client, officer, referral['id'])}"
    assert (await client.get(url, headers=officer.headers)).json()["officer_id"] is None
    taken = await client.patch(url, json={"version": 1, "stage": "contacted"}, headers=officer.headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["officer_id"] == str(officer.id)
    assert await mine(client, officer) == ["Amina Diallo"]
    # Another officer working on it does not take it; reassigning it does.
    other = await sign_in_staff(client, uow_factory, "second-officer", "loan_officer")
    edited = await client.patch(
        url, json={"version": taken.json()["version"], "full_name": "Amina B. Diallo"}, headers=other.headers
    )
    assert edited.json()["officer_id"] == str(officer.id)
    moved = await client.patch(
        url, json={"version": edited.json()["version"], "officer_id": str(other.id)}, headers=officer.headers
    )
    assert moved.json()["officer_id"] == str(other.id)
    assert await mine(client, officer) == [] and await mine(client, other) == ["Amina B. Diallo"]


async def test_an_officer_opening_an_application_takes_the_file(
    client: Client, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    referral = (await refer(client, partner, REFERRAL, "own-2")).json()
    applicant_id = await referred_applicant(client, officer, referral["id"])
    product_id = await make_product(uow_factory, ServicingTerms(currency="EUR"))
    body: dict[str, Any] = {
        "applicant_id": applicant_id,
        "product_id": str(product_id),
        "amount": {"amount": "3000.00", "currency": "EUR"},
        "number_of_installments": 12,
        "purpose": "Stock",
    }
    opened = await client.post("/v1/applications", json=body, headers=officer.headers)
    assert opened.status_code == 201, opened.text
    applicant = (await client.get(f"/v1/applicants/{applicant_id}", headers=officer.headers)).json()
    assert applicant["officer_id"] == str(officer.id)


async def test_an_officer_saving_the_project_of_a_file_nobody_owns_takes_it(
    client: Client, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    referral = (await refer(client, partner, REFERRAL, "own-3")).json()
    applicant_id = await referred_applicant(client, officer, referral["id"])
    project = {"activity": "Atelier de couture", "legal_status": "micro-entreprise"}
    saved = await client.put(f"/v1/applicants/{applicant_id}/project", json=project, headers=officer.headers)
    assert saved.status_code == 200, saved.text
    applicant = (await client.get(f"/v1/applicants/{applicant_id}", headers=officer.headers)).json()
    assert applicant["officer_id"] == str(officer.id)
