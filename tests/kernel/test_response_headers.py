"""Every answer carries the security headers; none tells which server software runs."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.cli import ROOT
from tests.conftest import TEST_SECRET_KEY, Caller, make_settings
from tests.servers import RunningServers
from tools.embedded import free_port
from tools.run import api_command

QUOTE = {
    "principal": {"amount": "10000.00", "currency": "EUR"},
    "annual_interest_rate": "7.45",
    "number_of_installments": 36,
    "disbursement_date": "2026-01-15",
    "first_due_date": "2026-02-15",
}


def assert_secured(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", response.headers
    assert response.headers["cache-control"] == "no-store", response.headers
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert "strict-transport-security" not in response.headers  # only when configured


async def test_answers_with_data_are_never_stored_nor_sniffed(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    assert_secured(await client.post("/v1/loan-quotes", json=QUOTE))  # the fast lane
    assert_secured(await client.post("/v1/loan-quotes", json={**QUOTE, "colour": "red"}))  # Litestar's route
    assert_secured(await client.get("/v1/staff-users", headers=admin.headers))
    assert_secured(await client.get("/v1/no-such-route"))
    csv = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "product", "from": "2026-01-01", "to": "2026-01-31", "format": "csv"},
        headers=admin.headers,
    )
    assert csv.status_code == 200
    assert_secured(csv)


async def test_content_types_name_their_charset_once(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    csv = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "product", "from": "2026-01-01", "to": "2026-01-31", "format": "csv"},
        headers=admin.headers,
    )
    assert csv.headers["content-type"].count("charset") == 1, csv.headers["content-type"]


async def test_hsts_is_sent_when_configured(servers: RunningServers) -> None:
    app = create_app(make_settings(servers, HSTS_MAX_AGE="31536000"))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/health/live")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.fixture
def api_server(servers: RunningServers) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    process = subprocess.Popen(api_command(), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_the_api_server_does_not_name_itself(api_server: str) -> None:
    response = httpx.get(f"{api_server}/health/live")
    assert response.status_code == 200
    assert "server" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_created_resource_is_located(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    created = await client.post("/v1/partners", json={"name": "Agence", "kind": "other"}, headers=admin.headers)
    assert created.status_code == 201
    assert created.headers["location"] == f"/v1/partners/{created.json()['id']}"
    shown = await client.get(created.headers["location"], headers=admin.headers)
    assert shown.status_code == 200 and shown.json() == created.json()


async def test_a_creation_without_its_own_address_points_to_the_list(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    body = {
        "username": "someone",
        "full_name": "Some One",
        "password": "a-long-enough-password",
        "roles": ["read_only"],
    }
    created = await client.post("/v1/staff-users", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/staff-users"
    assert (await client.get("/v1/staff-users", headers=admin.headers)).status_code == 200
