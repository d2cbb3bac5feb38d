"""The public quote API: schedules and TAEG as a would-be borrower or a partner sees them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Receive, Scope, Send

from service.app import create_app
from service.kernel.http.middleware import RequestContextMiddleware
from service.products.http.fast_quotes import FastQuoteRoutes
from tests.conftest import Caller, lender_today, make_settings, truncate_all
from tests.products.test_http import create as create_product
from tests.servers import RunningServers

EXAMPLE: dict[str, Any] = {
    "principal": {"amount": "10000.00", "currency": "EUR"},
    "annual_interest_rate": "7.45",
    "number_of_installments": 36,
    "disbursement_date": "2026-01-15",
    "first_due_date": "2026-02-15",
    "fees": [
        {"name": "solidarity contribution", "percent_of_principal": "5", "collection": "withheld_at_disbursement"}
    ],
}


def equation(rate: Decimal, drawn: Decimal, payments: list[tuple[int, Decimal]]) -> Decimal:
    """Annex I with whole months only: drawn − Σ D_k (1+X)^(−months_k/12), in 40-digit decimals."""
    with localcontext() as context:
        context.prec = 40
        base = 1 + rate / 100
        return drawn - sum((amount / base ** (Decimal(months) / 12) for months, amount in payments), Decimal(0))


async def test_the_published_example_prices_to_the_cent(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/v1/loan-quotes", json=EXAMPLE)
    assert response.status_code == 200, response.text
    quote = response.json()
    first = quote["installments"][0]
    assert first == {
        "number": 1,
        "due_date": "2026-02-15",
        "principal": "248.75",
        "interest": "62.08",
        "fees": "0.00",
        "total": "310.83",
        "principal_remaining": "9751.25",
    }
    rows = quote["installments"]
    assert len(rows) == 36 and rows[-1]["due_date"] == "2029-01-15" and rows[-1]["principal_remaining"] == "0.00"
    assert sum(Decimal(r["principal"]) for r in rows) == Decimal("10000.00") == Decimal(quote["total_principal"])
    assert Decimal(quote["total_interest"]) == sum(Decimal(r["interest"]) for r in rows)
    assert Decimal(quote["total_repayable"]) == sum(Decimal(r["total"]) for r in rows)
    assert quote["net_disbursed"] == "9500.00" and quote["currency"] == "EUR"
    # The TAEG is right to two decimals when the exact equation changes sign within its half-step.
    apr = Decimal(quote["apr"])
    payments = [(n, Decimal(r["total"])) for n, r in enumerate(rows, start=1)]
    assert equation(apr - Decimal("0.005"), Decimal("9500.00"), payments) < 0
    assert equation(apr + Decimal("0.005"), Decimal("9500.00"), payments) > 0


async def test_dates_default_to_today_and_one_period_later(client: AsyncTestClient[Litestar]) -> None:
    body = {k: v for k, v in EXAMPLE.items() if k not in {"disbursement_date", "first_due_date", "fees"}}
    quote = (await client.post("/v1/loan-quotes", json={**body, "repayment_unit": "week", "repayment_every": 2})).json()
    today = lender_today()
    assert quote["installments"][0]["due_date"] == (today + timedelta(weeks=2)).isoformat()
    assert quote["net_disbursed"] == "10000.00"


async def test_a_product_supplies_the_terms_and_its_limits(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    product = await create_product(client, admin)
    body = {
        "principal": {"amount": "10000.00", "currency": "EUR"},
        "number_of_installments": 36,
        "disbursement_date": "2026-01-15",
        "first_due_date": "2026-02-15",
        "product_id": product["id"],
    }
    with_product = (await client.post("/v1/loan-quotes", json=body)).json()
    without = (await client.post("/v1/loan-quotes", json=EXAMPLE)).json()
    assert with_product["installments"] == without["installments"] and with_product["apr"] == without["apr"]
    assert with_product["product_version"] == 1
    for change, field in [
        ({"principal": {"amount": "12000.01", "currency": "EUR"}}, "principal.amount"),
        ({"number_of_installments": 60}, "number_of_installments"),
        ({"principal_grace_installments": 4}, "principal_grace_installments"),
        ({"annual_interest_rate": "5"}, "annual_interest_rate"),
        ({"principal": {"amount": "5000", "currency": "USD"}}, "principal.currency"),
    ]:
        response = await client.post("/v1/loan-quotes", json={**body, **change})
        assert response.status_code == 422, (change, response.text)
        assert response.json()["errors"][0]["field"] == field
    await client.patch(f"/v1/loan-products/{product['id']}", json={"active": False}, headers=admin.headers)
    withdrawn = await client.post("/v1/loan-quotes", json=body)
    assert withdrawn.status_code == 422 and withdrawn.json()["code"] == "product.inactive"
    unknown = await client.post("/v1/loan-quotes", json={**body, "product_id": "01900000-0000-7000-8000-000000000000"})
    assert unknown.status_code == 404


BAD_QUOTES: list[tuple[dict[str, Any], int, str]] = [
    ({"principal": {"amount": 10000, "currency": "EUR"}}, 400, "principal.amount"),
    ({"principal": {"amount": "", "currency": "EUR"}}, 400, "principal.amount"),
    ({"principal": {"amount": "-5.00", "currency": "EUR"}}, 422, "principal.amount"),
    ({"principal": {"amount": "0.00", "currency": "EUR"}}, 422, "principal.amount"),
    ({"principal": {"amount": "100.001", "currency": "EUR"}}, 422, "principal.amount"),
    ({"principal": {"amount": "100.5", "currency": "JPY"}}, 422, "principal.amount"),
    ({"principal": {"amount": "100", "currency": "ZZZ"}}, 422, "principal.currency"),
    ({"principal": {"amount": "100", "currency": "eur"}}, 400, "principal.currency"),
    ({"number_of_installments": 0}, 400, "number_of_installments"),
    ({"number_of_installments": 601}, 400, "number_of_installments"),
    ({"annual_interest_rate": "100.01"}, 422, "annual_interest_rate"),
    ({"annual_interest_rate": 7.45}, 400, "annual_interest_rate"),
    ({"repayment_unit": "year"}, 400, "repayment_unit"),
    ({"first_due_date": "2025-01-01"}, 422, "first_due_date"),
    # The first period is at most one month; a longer deferral is a grace period.
    ({"first_due_date": "2029-11-29"}, 422, "first_due_date"),
    ({"first_due_date": "2026-02-16"}, 422, "first_due_date"),  # 2026-02-15 is the last allowed
    # The last due date stays within the business calendar (1900-2999) like the first.
    (
        {"number_of_installments": 600, "disbursement_date": "2999-01-01", "first_due_date": "2999-02-01"},
        422,
        "number_of_installments",
    ),
    ({"principal_grace_installments": 36}, 422, "principal_grace_installments"),
    ({"installment_multiple": "0.001"}, 422, "installment_multiple"),
    ({"fees": [{"name": "x", "collection": "withheld_at_disbursement"}]}, 422, "fees[0].percent_of_principal"),
    (
        {"fees": [{"name": "x", "percent_of_principal": "150", "collection": "withheld_at_disbursement"}]},
        422,
        "fees[0].percent_of_principal",
    ),
    ({"colour": "red"}, 400, "body"),
]


@pytest.mark.parametrize(("change", "status", "field"), BAD_QUOTES)
async def test_bad_input_is_a_problem_naming_the_field(
    client: AsyncTestClient[Litestar], change: dict[str, Any], status: int, field: str
) -> None:
    response = await client.post("/v1/loan-quotes", json={**EXAMPLE, **change})
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    if field != "body":
        assert problem["errors"][0]["field"] == field, problem
    else:
        assert "colour" in problem["errors"][0]["reason"]


async def test_yen_amounts_have_no_decimals(client: AsyncTestClient[Litestar]) -> None:
    body = {**EXAMPLE, "principal": {"amount": "1000000", "currency": "JPY"}, "fees": []}
    quote = (await client.post("/v1/loan-quotes", json=body)).json()
    assert quote["currency"] == "JPY" and quote["installments"][0]["total"].isdigit()
    assert sum(int(r["principal"]) for r in quote["installments"]) == 1_000_000


async def test_the_longest_daily_schedule_is_whole(client: AsyncTestClient[Litestar]) -> None:
    """600 daily instalments at the highest rate: one a day, the principal repaid exactly, nothing
    left owed. (Its speed is measured, not timed here: tests/perf/bench_engine.py has this case.)"""
    body = {
        **EXAMPLE,
        "number_of_installments": 600,
        "repayment_unit": "day",
        "interest_period": "daily",
        "annual_interest_rate": "99.99",
        "first_due_date": "2026-01-16",
    }
    response = await client.post("/v1/loan-quotes", json=body)
    assert response.status_code == 200, response.text
    installments = response.json()["installments"]
    assert len(installments) == 600
    due_dates = [date.fromisoformat(i["due_date"]) for i in installments]
    assert due_dates == [date(2026, 1, 16) + timedelta(days=k) for k in range(600)]
    assert sum(Decimal(i["principal"]) for i in installments) == Decimal("10000.00")
    assert installments[-1]["principal_remaining"] == "0.00"
    assert all(Decimal(i["interest"]) > 0 for i in installments)


async def test_apr_of_custom_cash_flows(client: AsyncTestClient[Litestar]) -> None:
    body = {
        "drawdowns": [{"date": "2026-01-01", "amount": "1000.00"}],
        "payments": [{"date": "2027-01-01", "amount": "1100.00"}],
    }
    response = await client.post("/v1/apr-calculations", json=body)
    assert response.status_code == 200 and response.json() == {"apr": "10.00"}


@pytest.mark.parametrize(
    "payments",
    [
        [{"date": "2027-01-01", "amount": "0"}],
        [{"date": "2025-01-01", "amount": "1100.00"}],
    ],
)
async def test_apr_without_a_solution_is_a_422(client: AsyncTestClient[Litestar], payments: list[Any]) -> None:
    body = {"drawdowns": [{"date": "2026-01-01", "amount": "1000.00"}], "payments": payments}
    response = await client.post("/v1/apr-calculations", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"].startswith("apr.")


@pytest.fixture
async def limited_client(servers: RunningServers) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = make_settings(servers, QUOTES_RATE_LIMIT="3")
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client
    await truncate_all(settings.database_url, settings.redis_url)


async def test_quotes_are_rate_limited_per_client(limited_client: AsyncTestClient[Litestar]) -> None:
    statuses = [(await limited_client.post("/v1/loan-quotes", json=EXAMPLE)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await limited_client.post("/v1/apr-calculations", json={"drawdowns": [], "payments": []})
    assert refused.status_code == 429 and refused.json()["code"] == "request.rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_example_dates_are_in_the_past_so_defaults_differ() -> None:
    assert date.fromisoformat(EXAMPLE["disbursement_date"]) < lender_today()


# The fast lane (service/products/http/fast_quotes.py) must answer exactly as Litestar's documented route.


class Lanes:
    """Sends a request through the app as built (fast lane first) and through Litestar alone."""

    def __init__(self, app: Litestar, client: AsyncTestClient[Litestar]) -> None:
        self.app, self.client = app, client
        self.with_fast_lane = app.asgi_handler
        lane = self.with_fast_lane.app  # type: ignore[attr-defined]
        assert isinstance(lane, FastQuoteRoutes)
        litestar = lane.app
        self.handed_over = 0

        async def counting(scope: Scope, receive: Receive, send: Send) -> None:
            self.handed_over += 1
            await litestar(scope, receive, send)

        lane.app = counting
        self.litestar_only = RequestContextMiddleware(litestar)

    async def both(self, path: str, **request: Any) -> tuple[httpx.Response, httpx.Response, bool]:
        """Both answers, and whether the fast lane answered the first one itself."""
        before = self.handed_over
        try:
            fast = await self.client.post(path, **request)
            served_fast = self.handed_over == before
            self.app.asgi_handler = self.litestar_only
            slow = await self.client.post(path, **request)
        finally:
            self.app.asgi_handler = self.with_fast_lane
        return fast, slow, served_fast


def assert_same_answer(fast: httpx.Response, slow: httpx.Response) -> None:
    assert fast.status_code == slow.status_code, (fast.text, slow.text)
    headers = [(k, v) for k, v in fast.headers.multi_items() if k not in {"x-request-id", "retry-after"}]
    assert headers == [(k, v) for k, v in slow.headers.multi_items() if k not in {"x-request-id", "retry-after"}]
    assert ("retry-after" in fast.headers) == ("retry-after" in slow.headers)
    if fast.status_code == 200:
        assert fast.content == slow.content
        return
    for response in (fast, slow):
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["request_id"] == response.headers["x-request-id"]
    assert {**fast.json(), "request_id": None} == {**slow.json(), "request_id": None}


@pytest.fixture
def lanes(app: Litestar, client: AsyncTestClient[Litestar]) -> Lanes:
    return Lanes(app, client)


async def test_the_fast_lane_answers_ordinary_quotes_as_litestar_does(lanes: Lanes) -> None:
    for body in [
        EXAMPLE,
        {
            **EXAMPLE,
            "repayment_unit": "week",
            "repayment_every": 2,
            "interest_method": "flat",
            "first_due_date": "2026-01-29",
        },
        {**EXAMPLE, "day_count": "actual/365", "interest_period": "daily", "amortization": "equal_principal"},
        {**EXAMPLE, "fees": [{"name": "file", "amount": "50.00", "collection": "added_to_installments"}]},
        {k: v for k, v in EXAMPLE.items() if k not in {"disbursement_date", "first_due_date"}},
    ]:
        fast, slow, served_fast = await lanes.both("/v1/loan-quotes", json=body)
        assert fast.status_code == 200 and served_fast
        assert_same_answer(fast, slow)
        assert fast.headers["content-type"] == "application/json" and len(fast.headers["x-request-id"]) == 32


@pytest.mark.parametrize(("change", "status", "field"), BAD_QUOTES)
async def test_the_fast_lane_refuses_bad_quotes_as_litestar_does(
    lanes: Lanes, change: dict[str, Any], status: int, field: str
) -> None:
    fast, slow, served_fast = await lanes.both("/v1/loan-quotes", json={**EXAMPLE, **change})
    assert fast.status_code == status
    assert_same_answer(fast, slow)
    # What the strict decoder refuses goes to Litestar, which names the field in its 400.
    assert served_fast == (status != 400)


ODD_REQUESTS: list[dict[str, Any]] = [
    {"content": json.dumps(EXAMPLE), "headers": {"content-type": "text/plain"}},  # 415
    {"content": json.dumps(EXAMPLE), "headers": {"content-type": "application/json; charset=utf-8"}},
    {"content": json.dumps(EXAMPLE), "headers": {"content-type": "application/vnd.quote+json"}},
    {"content": json.dumps(EXAMPLE)},  # no content type: 415
    {"content": b"", "headers": {"content-type": "application/json"}},
    {"content": b"{", "headers": {"content-type": "application/json"}},
    {"content": b"[]", "headers": {"content-type": "application/json"}},
    {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}},
    {"json": {**EXAMPLE, "fees": [{"name": "a\u0000b", "amount": "1", "collection": "added_to_installments"}]}},
    {"json": {**EXAMPLE, "number_of_installments": "36"}},  # Litestar's lax conversion accepts it
    {"json": {**EXAMPLE, "number_of_installments": 36.0}},
    {"json": EXAMPLE, "params": {"debug": "1"}},
    {"json": {**EXAMPLE, "product_id": "01900000-0000-7000-8000-000000000000"}},  # 404
    {"json": {**EXAMPLE, "product_id": "not-a-uuid"}},
    {"content": b"{" + b" " * 1_100_000 + b"}", "headers": {"content-type": "application/json"}},  # 413
]


@pytest.mark.parametrize("request_", ODD_REQUESTS)
async def test_odd_requests_get_the_same_answer_from_both_lanes(lanes: Lanes, request_: dict[str, Any]) -> None:
    fast, slow, _ = await lanes.both("/v1/loan-quotes", **request_)
    assert fast.status_code < 500
    assert_same_answer(fast, slow)


async def test_the_fast_lane_answers_apr_calculations_as_litestar_does(lanes: Lanes) -> None:
    ok = {
        "drawdowns": [{"date": "2026-01-01", "amount": "1000.00"}],
        "payments": [{"date": "2027-01-01", "amount": "1100.00"}],
    }
    for body, status, fast_lane in [
        (ok, 200, True),
        ({**ok, "payments": [{"date": "2025-01-01", "amount": "1100.00"}]}, 422, True),
        ({**ok, "payments": [{"date": "2027-01-01", "amount": "-1"}]}, 422, True),
        ({**ok, "payments": []}, 400, False),
    ]:
        fast, slow, served_fast = await lanes.both("/v1/apr-calculations", json=body)
        assert (fast.status_code, served_fast) == (status, fast_lane)
        assert_same_answer(fast, slow)


async def test_the_fast_lane_prices_products_and_refuses_what_they_fix(
    lanes: Lanes, client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    product = await create_product(client, admin)
    body = {**EXAMPLE, "product_id": product["id"]}
    del body["annual_interest_rate"], body["fees"]
    for request_body, status in [
        (body, 200),
        ({**body, "number_of_installments": 60}, 422),
        ({**body, "annual_interest_rate": "5"}, 422),
    ]:
        fast, slow, served_fast = await lanes.both("/v1/loan-quotes", json=request_body)
        assert fast.status_code == status and served_fast, fast.text
        assert_same_answer(fast, slow)
    assert fast.json()["errors"][0]["field"] == "annual_interest_rate"


async def test_the_fast_lane_keeps_the_request_id_and_logs_it(
    client: AsyncTestClient[Litestar], capsys: pytest.CaptureFixture[str]
) -> None:
    response = await client.post("/v1/loan-quotes", json=EXAMPLE, headers={"X-Request-ID": "quote-req-0001"})
    refused = await client.post("/v1/loan-quotes", json={**EXAMPLE, "annual_interest_rate": "100.01"})
    assert response.headers["x-request-id"] == "quote-req-0001"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    finished = [line for line in lines if line["event"] == "request_finished" and line["path"] == "/v1/loan-quotes"]
    assert [(line["request_id"], line["status"]) for line in finished] == [
        ("quote-req-0001", 200),
        (refused.headers["x-request-id"], 422),
    ]


async def test_the_fast_lane_counts_each_request_once_and_refuses_like_the_route(servers: RunningServers) -> None:
    settings = make_settings(servers, QUOTES_RATE_LIMIT="3")
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        lanes = Lanes(app, client)
        statuses = [(await client.post("/v1/loan-quotes", json=EXAMPLE)).status_code for _ in range(2)]
        # A body the lane hands over is counted by Litestar's hook alone: the third request, a 400.
        invalid = await client.post("/v1/loan-quotes", json={"colour": "red"})
        fast, slow, served_fast = await lanes.both("/v1/loan-quotes", json=EXAMPLE)
        apr = await client.post("/v1/apr-calculations", json={"drawdowns": [], "payments": []})
    await truncate_all(settings.database_url, settings.redis_url)
    assert statuses == [200, 200] and invalid.status_code == 400
    assert fast.status_code == 429 and served_fast and fast.json()["code"] == "request.rate_limited"
    assert_same_answer(fast, slow)
    assert 1 <= int(fast.headers["retry-after"]) <= 60
    assert apr.status_code == 429
