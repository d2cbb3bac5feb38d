"""Regressions from the review of origination: money, dates, ceilings, privacy and abuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.identity.senders import LogLoginCodeSender
from service.kernel.db.engine import create_engine
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_staff
from tests.origination.test_scenario import approved_application, step
from tests.products.test_http import create as create_product

TODAY = lender_today()


async def signed(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller, amount: str = "6000.00"
) -> tuple[str, dict[str, Any]]:
    url, app = await approved_application(client, admin, committee, amount)
    app = await step(
        await client.post(
            f"{url}/offer",
            headers=admin.headers,
            json={"version": app["version"], "disbursement_date": TODAY.isoformat()},
        )
    )
    app = await step(
        await client.post(
            f"{url}/signature", headers=admin.headers, json={"version": app["version"], "signed_on": TODAY.isoformat()}
        )
    )
    return url, app


@pytest.fixture
async def committee(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> Caller:
    return await sign_in_staff(client, uow_factory, "committee-user", "committee_member")


async def test_a_foreign_currency_is_refused_not_ignored(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, _ = await signed(client, admin, committee)
    response = await client.post(
        f"{url}/disbursements",
        headers={**admin.headers, "Idempotency-Key": "k"},
        json={"amount": {"amount": "1000.000", "currency": "KWD"}, "value_date": TODAY.isoformat()},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "amount.currency"


async def test_amounts_beyond_storage_are_a_422(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    product = await create_product(client, admin)
    response = await client.post(
        "/v1/applications",
        headers=admin.headers,
        json={
            "applicant_id": product["id"],
            "product_id": product["id"],
            "amount": {"amount": "99999999999.00", "currency": "EUR"},
            "number_of_installments": 12,
            "purpose": "x",
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "money.too_large"


async def test_the_ceiling_counts_the_persons_other_signed_contracts(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    await signed(client, admin, committee, amount="10000.00")
    # The same person (same e-mail) applies again for 10,000: 20,000 would exceed the 12,000 ceiling.
    applicant = (
        await client.get("/v1/applicants", params={"email": "yasmine@example.org"}, headers=admin.headers)
    ).json()["items"][0]
    products = (await client.get("/v1/loan-products", headers=admin.headers)).json()["items"]
    app = await step(
        await client.post(
            "/v1/applications",
            headers=admin.headers,
            json={
                "applicant_id": applicant["id"],
                "product_id": products[0]["id"],
                "amount": {"amount": "10000.00", "currency": "EUR"},
                "number_of_installments": 24,
                "purpose": "x",
            },
        ),
        201,
    )
    refused = await client.post(
        f"/v1/applications/{app['id']}/submission", headers=admin.headers, json={"version": app["version"]}
    )
    assert refused.status_code == 422 and "legal_ceiling" in refused.json()["detail"]


async def test_dates_that_would_make_a_nonsense_schedule_are_refused(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, app = await approved_application(client, admin, committee)
    past = await client.post(
        f"{url}/offer", headers=admin.headers, json={"version": app["version"], "disbursement_date": "1990-01-15"}
    )
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "disbursement_date"


async def test_money_cannot_go_out_in_the_future(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, _ = await signed(client, admin, committee)
    future = await client.post(
        f"{url}/disbursements",
        headers={**admin.headers, "Idempotency-Key": "f"},
        json={
            "amount": {"amount": "6000.00", "currency": "EUR"},
            "value_date": (TODAY + timedelta(days=30)).isoformat(),
        },
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "value_date"


async def test_submitting_a_signed_file_is_a_409_and_changes_nothing(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, app = await signed(client, admin, committee)
    response = await client.post(f"{url}/submission", headers=admin.headers, json={"version": app["version"]})
    assert response.status_code == 409 and "contract_signed" in response.json()["detail"]
    assert (await client.get(url, headers=admin.headers)).json()["version"] == app["version"]


async def test_an_expired_offer_cannot_be_signed_with_an_earlier_date(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    from service.origination.handlers.applications import sign_contract

    url, app = await approved_application(client, admin, committee)
    app = await step(
        await client.post(
            f"{url}/offer",
            headers=admin.headers,
            json={"version": app["version"], "disbursement_date": TODAY.isoformat(), "validity_days": 1},
        )
    )
    from domain.errors import RuleViolation
    from domain.identity.model import Principal, PrincipalKind, Role

    with pytest.raises(RuleViolation, match="expired"):
        await sign_contract(
            app_id := __import__("uuid").UUID(app["id"]),
            expected_version=app["version"],
            signed_on=TODAY,
            actor=Principal(PrincipalKind.STAFF, admin.id, frozenset({Role.ADMIN})),  # type: ignore[arg-type]
            uow=uow_factory(),
            now=datetime.now(UTC) + timedelta(days=20),
            today=TODAY + timedelta(days=20),
        )
    assert app_id


async def test_a_second_refusal_does_not_undo_a_financed_person(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, _ = await signed(client, admin, committee, amount="3000.00")
    await step(
        await client.post(
            f"{url}/disbursements",
            headers={**admin.headers, "Idempotency-Key": "d"},
            json={"amount": {"amount": "3000.00", "currency": "EUR"}, "value_date": TODAY.isoformat()},
        ),
        201,
    )
    applicant_id = (await client.get(url, headers=admin.headers)).json()["applicant_id"]
    products = (await client.get("/v1/loan-products", headers=admin.headers)).json()["items"]
    second = await step(
        await client.post(
            "/v1/applications",
            headers=admin.headers,
            json={
                "applicant_id": applicant_id,
                "product_id": products[0]["id"],
                "amount": {"amount": "2000.00", "currency": "EUR"},
                "number_of_installments": 12,
                "purpose": "x",
            },
        ),
        201,
    )
    await client.post(
        f"/v1/applications/{second['id']}/withdrawal", headers=admin.headers, json={"version": second["version"]}
    )
    assert (await client.get(f"/v1/applicants/{applicant_id}", headers=admin.headers)).json()["stage"] == "financed"


async def test_rates_with_more_decimals_than_stored_are_refused(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    from tests.products.test_http import PRODUCT_TERMS

    response = await client.post(
        "/v1/loan-products",
        headers=admin.headers,
        json={"code": "XX", "name": "x", "terms": {**PRODUCT_TERMS, "annual_interest_rate": "7.4500004"}},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "terms.annual_interest_rate"


async def test_nul_characters_are_a_400_not_a_500(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    body = await client.post(
        "/v1/applicants",
        headers=admin.headers,
        json={"full_name": "a\u0000b", "email": "n@example.org", "situation": "other"},
    )
    query = await client.get("/v1/applicants", params={"name": "a\x00b"}, headers=admin.headers)
    assert body.status_code == query.status_code == 400
    expanding = await client.post(
        "/v1/applicants",
        headers=admin.headers,
        json={"full_name": "\ufdfa" * 20, "email": "e@example.org", "situation": "other"},
    )
    assert expanding.status_code == 201


async def test_votes_of_an_unknown_application_are_a_404(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.get("/v1/applications/01900000-0000-7000-8000-000000000000/votes", headers=admin.headers)
    assert response.status_code == 404


async def test_sign_in_is_rate_limited_per_address(servers: Any) -> None:
    from service.app import create_app
    from tests.conftest import make_settings, truncate_all

    settings = make_settings(servers, SIGN_IN_RATE_LIMIT="3")
    async with AsyncTestClient(app=create_app(settings, fast_password_hashing=True)) as limited:
        answers = [
            (await limited.post("/v1/auth/token", json={"username": "x", "password": "y"})).status_code
            for _ in range(4)
        ]
    await truncate_all(settings.database_url, settings.redis_url)
    assert answers == [401, 401, 401, 429]


async def test_codes_are_never_logged_outside_development(capsys: pytest.CaptureFixture[str]) -> None:
    from domain.identity.model import Borrower
    from domain.ids import new_id
    from service.logging import configure_logging

    configure_logging(json=True)
    borrower = Borrower(new_id(), "B", "b@example.org", None, "fr", datetime.now(UTC))
    await LogLoginCodeSender(include_code=False).send(borrower, "123456")
    assert "123456" not in capsys.readouterr().out


def test_sql_parameters_never_reach_errors_or_logs(settings: Settings) -> None:
    assert create_engine(settings).sync_engine.hide_parameters
