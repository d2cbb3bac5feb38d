"""Whatever a client sends to the public money routes, the answer is never a 500 and never hangs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from service.kernel.http.middleware import RequestContextMiddleware
from service.products.http.fast_quotes import FastQuoteRoutes
from service.settings import Settings
from tests.conftest import truncate_all
from tests.products.test_quotes import EXAMPLE, assert_same_answer

decimal_texts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str),
    st.from_regex(r"-?\d{1,20}(\.\d{0,14})?", fullmatch=True),
    st.sampled_from(["", "1e5", "NaN", "Infinity", "-0", "0.000", "99999999999999.99", " 5", "5,00"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    decimal_texts,
    st.text(max_size=8),
    st.dates().map(str),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
FIELDS = {
    "principal": st.one_of(
        st.fixed_dictionaries(
            {"amount": decimal_texts, "currency": st.sampled_from(["EUR", "JPY", "KWD", "XXX", "eur", "ABC"])}
        ),
        values,
    ),
    "annual_interest_rate": st.one_of(decimal_texts, values),
    "number_of_installments": st.one_of(st.integers(-5, 700), values),
    "repayment_every": st.one_of(st.integers(-1, 400), values),
    "repayment_unit": st.one_of(st.sampled_from(["day", "week", "month"]), values),
    "interest_method": st.sampled_from(["declining_balance", "flat", "other"]),
    "amortization": st.sampled_from(["equal_installments", "equal_principal"]),
    "interest_period": st.sampled_from(["installment", "daily"]),
    "day_count": st.sampled_from(["30/360", "actual/365", "actual/360", "actual/actual"]),
    "principal_grace_installments": st.one_of(st.integers(-2, 40), values),
    "interest_grace_installments": st.one_of(st.integers(-2, 40), values),
    "installment_multiple": st.one_of(decimal_texts, st.sampled_from(["1", "0.05", "100", "0.001"])),
    "disbursement_date": st.one_of(st.dates().map(str), values),
    "first_due_date": st.one_of(st.dates().map(str), values),
    "fees": st.lists(
        st.fixed_dictionaries(
            {
                "name": st.text(max_size=5),
                "collection": st.sampled_from(["withheld_at_disbursement", "added_to_installments"]),
            },
            optional={"percent_of_principal": decimal_texts, "amount": decimal_texts},
        ),
        max_size=3,
    ),
    "product_id": st.one_of(st.none(), st.uuids().map(str), st.text(max_size=5)),
}
quote_bodies = st.fixed_dictionaries({}, optional=FIELDS).map(lambda changes: {**EXAMPLE, **changes})
flows = st.lists(
    st.fixed_dictionaries({"date": st.one_of(st.dates().map(str), values), "amount": st.one_of(decimal_texts, values)}),
    max_size=40,
)


def assert_clean(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def sync_client(app: Litestar, settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, timeout=10) as test_client:
        yield test_client
    asyncio.run(truncate_all(settings.database_url, settings.redis_url))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=quote_bodies)
def test_quote_route_never_fails_on_client_input(sync_client: TestClient[Litestar], body: dict[str, Any]) -> None:
    assert_clean(sync_client.post("/v1/loan-quotes", json=body))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawdowns=flows, payments=flows)
def test_apr_route_never_fails_on_client_input(
    sync_client: TestClient[Litestar], drawdowns: list[Any], payments: list[Any]
) -> None:
    assert_clean(sync_client.post("/v1/apr-calculations", json={"drawdowns": drawdowns, "payments": payments}))


def both_lanes(app: Litestar, client: TestClient[Litestar], path: str, body: Any) -> tuple[Any, Any]:
    """The answer of the app as built (fast lane first), then of Litestar's route alone."""
    built = app.asgi_handler
    lane = built.app  # type: ignore[attr-defined]
    assert isinstance(lane, FastQuoteRoutes)
    fast = client.post(path, json=body)
    app.asgi_handler = RequestContextMiddleware(lane.app)
    try:
        slow = client.post(path, json=body)
    finally:
        app.asgi_handler = built
    return fast, slow


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=quote_bodies)
def test_the_fast_lane_answers_any_quote_as_litestar_does(
    app: Litestar, sync_client: TestClient[Litestar], body: dict[str, Any]
) -> None:
    fast, slow = both_lanes(app, sync_client, "/v1/loan-quotes", body)
    assert_clean(fast)
    assert_same_answer(fast, slow)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawdowns=flows, payments=flows)
def test_the_fast_lane_answers_any_apr_calculation_as_litestar_does(
    app: Litestar, sync_client: TestClient[Litestar], drawdowns: list[Any], payments: list[Any]
) -> None:
    fast, slow = both_lanes(app, sync_client, "/v1/apr-calculations", {"drawdowns": drawdowns, "payments": payments})
    assert_clean(fast)
    assert_same_answer(fast, slow)
