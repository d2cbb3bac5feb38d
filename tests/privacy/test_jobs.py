"""The retention run from the worker (nightly cron) and from the command line."""

from __future__ import annotations

from typing import Any

from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.settings import Settings
from service.worker import CRON_JOBS, build_worker
from tests.conftest import truncate_all
from tests.test_cli import run_cli


def test_the_retention_runs_every_night_after_the_close_of_business() -> None:
    (job,) = [c for c in CRON_JOBS if c.name == "cron:retention"]
    assert (job.hour, job.minute, job.unique) == ({2}, {30}, True)


async def test_the_worker_runs_the_retention_and_records_the_run(settings: Settings, engine: AsyncEngine) -> None:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    job = await pool.enqueue_job("retention", _job_id="retention-test")
    assert job is not None
    worker = build_worker(settings, burst=True, handle_signals=False, poll_delay=0.05)
    try:
        await worker.async_run()
        counts: dict[str, Any] = await job.result(timeout=10)
    finally:
        await worker.close()
        await pool.aclose()
    assert counts == {
        "examined": 0,
        "erase_identity": 0,
        "scrub_follow_up": 0,
        "no_longer_due": 0,
        "idempotency_keys_purged": 0,
    }
    async with engine.connect() as connection:
        run = (await connection.execute(text("SELECT counts, finished_at FROM privacy_retention_runs"))).one()
    assert run.counts == counts and run.finished_at is not None


async def test_the_retention_command_reports_what_it_did(settings: Settings) -> None:
    try:
        done = run_cli(settings, "retention")
        assert done.returncode == 0, done.stderr
        assert "erase_identity 0, scrub_follow_up 0" in done.stdout and "idempotency_keys_purged 0" in done.stdout
    finally:
        await truncate_all(settings.database_url, settings.redis_url)
