"""The committee's amount and a tranche are Money in the domain, which names its attributes
(``amount``, ``currency``); the problems name the fields as the client sent them (``amount.amount``,
``amount.currency``) through service.kernel.http.field_paths."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_staff
from tests.origination.test_scenario import approved_application, open_application, staff, step
from tests.products.test_http import create as create_product


def _field(response: object) -> tuple[int, str, str]:
    body = response.json()  # type: ignore[attr-defined]
    return response.status_code, body["code"], body["errors"][0]["field"]  # type: ignore[attr-defined]


async def test_a_committee_amount_in_another_currency_or_beyond_the_product_names_the_money_field(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    nora = {"full_name": "Nora", "email": "nora@example.org", "situation": "job_seeker"}
    url, app, _ = await open_application(client, admin, product["id"], nora, amount="5000.00", installments=24)
    for path in ("submission", "review", "committee-referral"):
        app = await step(await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]}))
    second = await staff(client, admin, "committee-second", "committee_member")
    for member in (committee, second):
        await step(
            await client.post(f"{url}/votes", headers=member.headers, json={"vote": "approve", "comment": "ok"}), 201
        )

    async def decide(amount: str, currency: str) -> object:
        body = {"version": app["version"], "decision": "approve", "comment": "ok"}
        return await client.post(
            f"{url}/decision",
            headers=committee.headers,
            json={**body, "amount": {"amount": amount, "currency": currency}},
        )

    assert _field(await decide("4000.00", "USD")) == (422, "money.currency_mismatch", "amount.currency")
    assert _field(await decide("999999.00", "EUR")) == (422, "product.limit_exceeded", "amount.amount")
    approved = await step(await decide("4000.00", "EUR"))
    assert approved["amount"] == "4000.00" and approved["status"] == "approved"


async def test_a_tranche_beyond_what_is_left_names_the_amount_field(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    url, app = await approved_application(client, admin, committee)
    today = lender_today().isoformat()
    for path, extra in (("offer", {"disbursement_date": today}), ("signature", {"signed_on": today})):
        app = await step(
            await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"], **extra})
        )
    too_much = await client.post(
        f"{url}/disbursements",
        headers={**admin.headers, "Idempotency-Key": "too-much"},
        json={"amount": {"amount": "6000.01", "currency": "EUR"}, "value_date": today},
    )
    assert _field(too_much) == (422, "disbursement.invalid_amount", "amount.amount")
