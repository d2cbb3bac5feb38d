"""Probes: live always answers; ready checks the real PostgreSQL and Redis."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.conftest import make_settings
from tests.servers import RunningServers
from tools.embedded import free_port


async def test_live_and_ready(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok", "checks": {}}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"postgresql": True, "redis": True}


async def test_ready_is_503_when_redis_is_down(servers: RunningServers) -> None:
    settings = make_settings(servers, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    async with AsyncTestClient(app=create_app(settings)) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"postgresql": True, "redis": False}}
