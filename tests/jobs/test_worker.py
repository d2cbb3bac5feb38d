"""The arq worker runs jobs from the real Redis against the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from arq import create_pool
from arq.connections import RedisSettings

from domain.identity.model import LoginCode
from domain.ids import new_id
from service.jobs.worker import build_worker
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings
from service.usecases.identity import create_borrower
from tests.conftest import truncate_all


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
