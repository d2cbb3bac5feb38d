"""Schemathesis over the committed contract: generated requests to every operation, as an admin.

Whatever a client sends within or outside the schema, the service must answer without a 500, and
every error must be a problem+json. A real uvicorn server runs the app on the test database.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from domain.identity.model import Role
from service.cli import ROOT
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.settings import load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import TEST_SECRET_KEY, truncate_all
from tests.servers import RunningServers
from tools.embedded import free_port

schema = schemathesis.openapi.from_path(ROOT / "openapi" / "openapi.json")
PASSWORD = "schemathesis-admin-password"


async def _admin(database_url: str, redis_url: str) -> None:
    settings_ = load_settings({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
    engine = create_engine(settings_)
    try:
        await create_staff_user(
            CreateStaffUser(username="fuzz-admin", full_name="Fuzz", password=PASSWORD, roles=frozenset(Role)),
            uow=SqlUnitOfWorkFactory(create_sessionmaker(engine))(),
            hasher=Argon2PasswordHasher(fast=True),
            now=datetime.now(UTC),
        )
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(servers: RunningServers) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "QUOTES_RATE_LIMIT": "0",
    }
    asyncio.run(_admin(servers.database_url, servers.redis_url))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.app:app_from_environment",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        import httpx

        token = httpx.post(
            f"http://127.0.0.1:{port}/v1/auth/token", json={"username": "fuzz-admin", "password": PASSWORD}
        ).json()["access_token"]
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    finally:
        process.terminate()
        process.wait(timeout=15)
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
