"""Schemathesis over the committed contract: generated requests to every operation, as an admin.

Whatever a client sends within or outside the schema, the service must answer without a 500, and
every error must be a problem+json. A real uvicorn server runs the app on the test database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from domain.identity.model import Role
from service.cli import ROOT
from tests.conftest import truncate_all
from tests.servers import RunningServers, add_staff_user, live_app

schema = schemathesis.openapi.from_path(ROOT / "openapi" / "openapi.json")
PASSWORD = "schemathesis-admin-password"


@pytest.fixture(scope="module")
def server(servers: RunningServers) -> Iterator[tuple[str, dict[str, str]]]:
    asyncio.run(add_staff_user(servers.database_url, "fuzz-admin", PASSWORD, frozenset(Role)))
    try:
        with live_app(servers, QUOTES_RATE_LIMIT="0") as base_url:
            import httpx

            token = httpx.post(
                f"{base_url}/v1/auth/token", json={"username": "fuzz-admin", "password": PASSWORD}
            ).json()["access_token"]
            yield base_url, {"Authorization": f"Bearer {token}"}
    finally:
        asyncio.run(truncate_all(servers.database_url, servers.redis_url))


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500(case: schemathesis.Case, server: tuple[str, dict[str, str]]) -> None:
    base_url, headers = server
    response = case.call(base_url=base_url, headers=headers, timeout=10)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if response.status_code >= 400:
        content_type = response.headers["content-type"]
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), response.text[:200]
