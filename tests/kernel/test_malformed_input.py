"""Malformed input on every route is a 400 naming the field, logged in one line; decoding is strict.

The JSON routes are taken from the committed contract, so a route added later is walked too.
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.cli import ROOT
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_partner, sign_in_staff

CONTRACT = json.loads((ROOT / "openapi" / "openapi.json").read_text())
JSON_ROUTES = [
    (method.upper(), path)
    for path, operations in CONTRACT["paths"].items()
    for method, operation in operations.items()
    if "application/json" in operation.get("requestBody", {}).get("content", {})
]
DEEP = b"[" * 10_000 + b"]" * 10_000
MALFORMED = {
    "nested 10,000 deep": DEEP,
    "nested 10,000 deep inside an object": b'{"a": ' + DEEP + b"}",
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "truncated": b'{"name": ',
}
QUOTE = {
    "principal": {"amount": "10000.00", "currency": "EUR"},
    "annual_interest_rate": "7.45",
    "number_of_installments": 36,
    "disbursement_date": "2026-01-15",
    "first_due_date": "2026-02-15",
}


def concrete(path: str) -> str:
    path = path.replace("{day}", "2026-01-15").replace("{number}", "1")
    return path.format_map({name: uuid.uuid4() for name in _names(path)})


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@pytest.fixture
async def callers(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> list[Caller]:
    staff = await sign_in_staff(client, uow_factory, "all-roles", "admin", "loan_officer", "committee_member")
    return [staff, await sign_in_partner(client, uow_factory, "malformed")]


def _formats(schema: dict[str, Any]) -> set[str]:
    return {schema.get("format", ""), *(option.get("format", "") for option in schema.get("oneOf", []))}


def service_lines(out: str) -> list[dict[str, Any]]:
    """The service's own log lines (the test client logs its requests too, without a request id)."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if "request_id" in line]


@pytest.mark.parametrize("kind", list(MALFORMED))
async def test_every_json_route_answers_malformed_bodies_with_a_400_logged_in_one_line(
    client: AsyncTestClient[Litestar], callers: list[Caller], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(JSON_ROUTES) > 30
    for method, path in JSON_ROUTES:
        statuses = []
        for caller in callers:
            capsys.readouterr()
            response = await client.request(
                method,
                concrete(path),
                content=MALFORMED[kind],
                headers={**caller.headers, "content-type": "application/json", "Idempotency-Key": "malformed"},
            )
            statuses.append(response.status_code)
            assert response.status_code < 500, f"{kind}: {method} {path}: {response.text}"
            if response.status_code == 400:
                assert response.json()["errors"][0]["field"] == "body", response.text
            logged = capsys.readouterr().out
            assert "Traceback" not in logged and len(service_lines(logged)) == 1, f"{method} {path}: {logged[:300]}"
        assert 400 in statuses, f"{kind}: {method} {path} never reached the body check: {statuses}"


async def test_quotes_with_dates_at_the_ends_of_the_calendar_are_a_4xx(client: AsyncTestClient[Litestar]) -> None:
    dates = ["9999-12-31", "9999-01-01", "0001-01-01", None]
    bodies = []
    for count, unit, every, period, first, disbursed in itertools.product(
        [1, 600], ["day", "month"], [1, 366], ["installment", "daily"], dates, dates
    ):
        if first is None and disbursed is None:
            continue  # today's quote: valid
        body = {**QUOTE, "number_of_installments": count, "repayment_unit": unit, "repayment_every": every}
        body |= {"interest_period": period, "day_count": "actual/actual"}
        for name, value in (("first_due_date", first), ("disbursement_date", disbursed)):
            if value is None:
                del body[name]
            else:
                body[name] = value
        bodies.append(body)
    for body in bodies:
        response = await client.post("/v1/loan-quotes", json=body)
        assert 400 <= response.status_code < 500, f"{body}: {response.text}"
        assert response.json()["errors"][0]["field"], response.text
    for first, last in itertools.product(["0001-01-01", "9999-12-31"], repeat=2):
        cash_flows = {"drawdowns": [{"date": first, "amount": "100"}], "payments": [{"date": last, "amount": "110"}]}
        response = await client.post("/v1/apr-calculations", json=cash_flows)
        assert response.status_code < 500, f"{cash_flows}: {response.text}"


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_every_date_query_parameter_at_the_end_of_the_calendar_is_a_4xx_naming_it(
    client: AsyncTestClient[Litestar], callers: list[Caller], day: str
) -> None:
    routes = [
        (path, parameter["name"])
        for path, operations in CONTRACT["paths"].items()
        for parameter in operations.get("get", {}).get("parameters", [])
        if parameter["in"] == "query" and "date" in _formats(parameter.get("schema", {}))
    ]
    assert ("/v1/follow-up/agenda", "on") in routes
    for path, name in routes:
        query = {"group_by": "product", "from": "2026-01-01", "to": "2026-01-31", name: day}
        response = await client.get(concrete(path), params=query, headers=callers[0].headers)
        assert response.status_code < 500, f"{path}?{name}={day}: {response.text}"
        if response.status_code in (400, 422):
            dates = {"from", "to", name}  # a period may be refused at its other end
            assert {e["field"] for e in response.json()["errors"]} & dates, response.text


async def test_zero_is_not_read_as_false(
    client: AsyncTestClient[Litestar], admin: Caller, callers: list[Caller]
) -> None:
    staff_id = callers[0].id
    response = await client.patch(
        f"/v1/staff-users/{staff_id}", json={"version": 1, "active": 0}, headers=admin.headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "active"


async def test_the_text_true_is_not_read_as_consent(client: AsyncTestClient[Litestar], callers: list[Caller]) -> None:
    partner = callers[1]
    referral = {
        "person": {"full_name": "Ada Lovelace", "email": "ada@example.org"},
        "situation": "job_seeker",
        "project_idea": "a bakery",
        "partner_contact": {"name": "Advisor", "email": "advisor@example.org"},
        "consent": {"given": "true", "given_on": "2026-01-15"},
    }
    response = await client.post("/v1/referrals", json=referral, headers={**partner.headers, "Idempotency-Key": "r1"})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "consent.given"


async def test_arabic_indic_digits_are_not_an_amount(client: AsyncTestClient[Litestar]) -> None:
    body = {**QUOTE, "principal": {"amount": "\u0661\u0660\u0660\u0660\u0660.00", "currency": "EUR"}}
    response = await client.post("/v1/loan-quotes", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "principal.amount"


async def test_a_missing_field_is_named_by_its_path(client: AsyncTestClient[Litestar]) -> None:
    body = {**QUOTE, "principal": {"amount": "10000.00"}}
    response = await client.post("/v1/loan-quotes", json=body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "principal.currency"


async def test_every_missing_header_and_query_parameter_is_named(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    response = await client.get("/v1/portfolio/indicators", headers=admin.headers)
    assert response.status_code == 400, response.text
    assert sorted(e["field"] for e in response.json()["errors"]) == ["from", "group_by", "to"]
    response = await client.post(f"/v1/loans/{uuid.uuid4()}/payments", json={"amount": "1"}, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]


async def test_an_invalid_header_and_an_empty_body_are_named_as_the_client_sent_them(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    url = f"/v1/loans/{uuid.uuid4()}/payments"
    payment = {"amount": {"amount": "10.00", "currency": "EUR"}, "value_date": "2026-01-15", "channel": "cash"}
    for key in ("", "k" * 201):
        response = await client.post(url, json=payment, headers={**admin.headers, "Idempotency-Key": key})
        assert response.status_code == 400, response.text
        fields = [e["field"] for e in response.json()["errors"]]
        assert "Idempotency-Key" in fields and "idempotency" not in fields, fields
    empty = await client.post(
        "/v1/partners", content=b"", headers={**admin.headers, "content-type": "application/json"}
    )
    assert empty.status_code == 400, empty.text
    [error] = empty.json()["errors"]
    assert error["field"] == "body" and "'data'" not in error["reason"] and len(error["reason"]) > 10


async def test_options_on_every_route_is_answered(client: AsyncTestClient[Litestar]) -> None:
    for path in CONTRACT["paths"]:
        response = await client.options(concrete(path))
        assert response.status_code < 500, f"OPTIONS {path}: {response.text}"
