"""The arq worker runs jobs from the real Redis against the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.model import LoginCode
from domain.ids import new_id
from service.identity.handlers import create_borrower
from service.servicing.jobs import close_of_business
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory, job_resources
from service.worker import build_worker
from tests.conftest import make_settings, truncate_all
from tests.servers import RunningServers


async def test_purge_job_deletes_only_long_expired_codes(settings: Settings, uow_factory: SqlUnitOfWorkFactory) -> None:
    now = datetime.now(UTC)
    borrower = await create_borrower("B", "b@example.org", None, "fr", uow=uow_factory(), now=now)
    async with uow_factory() as uow:
        await uow.login_codes.add(LoginCode(new_id(), borrower.id, "x" * 64, now - timedelta(days=2)))
        await uow.login_codes.add(LoginCode(new_id(), borrower.id, "y" * 64, now + timedelta(minutes=5)))
        await uow.commit()
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    job = await pool.enqueue_job("purge_login_codes", _job_id="purge-test")
    assert job is not None
    worker = build_worker(settings, burst=True, handle_signals=False, poll_delay=0.05)
    try:
        await worker.async_run()
        assert await job.result(timeout=5) == 1
    finally:
        await worker.close()
        await pool.aclose()
        await truncate_all(settings.database_url, settings.redis_url)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_the_nightly_close_closes_yesterday_in_the_lenders_time_zone(
    servers: RunningServers, engine: AsyncEngine, zone: str
) -> None:
    # UTC+14 and UTC-11: for most of the day one of them is not on UTC's date.
    settings = make_settings(servers, LENDER_TIMEZONE=zone)
    ctx: dict[str, Any] = {"settings": settings, "engine": engine, **job_resources(engine)}
    await close_of_business(ctx)
    async with engine.connect() as connection:
        closed = (await connection.execute(text("SELECT business_date FROM close_of_business_runs"))).scalars().all()
    assert closed == [datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)]


async def test_a_live_worker_shows_its_health_for_half_a_minute_at_most(settings: Settings) -> None:
    # Compose and Kubernetes ask arq's health key whether the worker lives. arq refreshed it every
    # hour by default, so a worker dead while Redis lived looked healthy for up to an hour.
    worker = build_worker(settings, burst=True, handle_signals=False, poll_delay=0.05)
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        await worker.async_run()
        ttl_ms = await pool.pttl(worker.health_check_key)
        assert 0 < ttl_ms <= 31_000, ttl_ms
    finally:
        await worker.close()
        await pool.aclose()
        await truncate_all(settings.database_url, settings.redis_url)
