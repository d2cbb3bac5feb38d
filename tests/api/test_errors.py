"""Every error is an RFC 9457 problem with a request id, and never leaks internals."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from tests.conftest import Caller


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_unknown_route_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.get("/no/such/route"), 404, "not_found")


async def test_wrong_method_is_a_405_problem(client: AsyncTestClient[Litestar]) -> None:
    assert_problem(await client.delete("/health/live"), 405, "request.method_not_allowed")


async def test_body_over_the_limit_is_a_413_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/v1/borrower-auth/codes", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "request.too_large")


async def test_body_that_is_not_json_is_a_415_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/v1/borrower-auth/codes", content=b"email=x", headers={"content-type": "text/plain"})
    assert_problem(response, 415, "request.unsupported_media_type")


async def test_wrong_type_names_the_field(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post("/v1/partners", json={"name": 3, "kind": "other"}, headers=admin.headers)
    body = assert_problem(response, 400, "request.invalid")
    assert body["errors"] == [{"field": "name", "reason": "Expected `str`, got `int`"}]


async def test_unknown_field_is_refused_by_name(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post(
        "/v1/partners", json={"name": "A", "kind": "other", "colour": "red"}, headers=admin.headers
    )
    body = assert_problem(response, 400, "request.invalid")
    assert body["errors"][0]["reason"] == "Object contains unknown field `colour`"


async def test_malformed_json_is_a_400_problem(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post(
        "/v1/partners", content=b'{"name": ', headers={**admin.headers, "content-type": "application/json"}
    )
    assert_problem(response, 400, "request.invalid")


async def test_business_rule_is_a_422_naming_the_field(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.post("/v1/partners", json={"name": "A", "kind": "bakery"}, headers=admin.headers)
    body = assert_problem(response, 422, "partner.unknown_kind")
    assert body["errors"][0]["field"] == "kind"


async def test_unexpected_error_is_a_bare_500_with_request_id_and_is_logged(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    capfd,  # type: ignore[no-untyped-def]
) -> None:
    @get("/boom", exclude_from_auth=True)
    async def boom() -> None:
        raise RuntimeError("connection to server at 10.0.0.1 failed: SELECT secret FROM t")

    app.register(boom)
    response = await client.get("/boom", headers={"X-Request-ID": "req-abcdef-123"})
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "req-abcdef-123"
    assert "SELECT" not in response.text and "10.0.0.1" not in response.text and "Traceback" not in response.text
    logged = capfd.readouterr().out
    assert "request_failed" in logged and "req-abcdef-123" in logged


async def test_a_malformed_request_id_is_replaced(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["x-request-id"] != "bad id\nwith newline"
    assert len(response.headers["x-request-id"]) == 32
