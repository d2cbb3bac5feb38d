"""On SIGTERM (a rollout, a scale-in) the API finishes the requests in flight and the worker its
current job before they exit (issue 16, item 4), with real processes."""

from __future__ import annotations

import asyncio
import signal
from datetime import date
from pathlib import Path

import httpx
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.notifications.handlers import plan_loan_notices
from service.notifications.read import SqlNoticePlanning
from service.wiring import SqlUnitOfWorkFactory
from tests.notifications.test_jobs import add_borrower_with_loan, add_officer, notice_rows
from tests.servers import RunningServers
from tests.worker.processes import start, stop, wait_for
from tests.worker.test_worker_killed import SlowMailbox, slow_mailbox
from tools.embedded import free_port

__all__ = ["slow_mailbox"]  # the fixture


async def test_the_api_answers_the_request_in_flight_then_exits(
    servers: RunningServers, engine: AsyncEngine, tmp_path: Path
) -> None:
    port = free_port()
    api = start(["-m", "service", "serve"], servers, tmp_path / "api.log", PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:

            async def serving() -> bool:
                try:
                    return (await client.get("/health/live")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(serving, 30, "the API")
            # A sign-in reads the staff users: with their table locked, it waits in the database.
            async with engine.connect() as locker:
                await locker.execute(text("LOCK TABLE staff_users IN ACCESS EXCLUSIVE MODE"))
                in_flight = asyncio.create_task(
                    client.post("/v1/auth/token", json={"username": "nobody", "password": "not-the-password"})
                )
                await asyncio.sleep(1.0)
                assert not in_flight.done()
                api.send_signal(signal.SIGTERM)
                await asyncio.sleep(1.0)
                assert api.poll() is None, "the API exited with a request in flight"
                await locker.rollback()  # the request goes on
            answer = await in_flight
        assert answer.status_code == 401, answer.text  # a real answer, not a dropped connection
        # uvicorn ends by raising the signal again once done: killed by it, but only now.
        assert await asyncio.to_thread(api.wait, 30) in {0, -signal.SIGTERM}
    finally:
        stop(api)


async def test_the_worker_finishes_its_job_then_exits(
    servers: RunningServers,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    slow_mailbox: tuple[SlowMailbox, int],
    tmp_path: Path,
) -> None:
    box, smtp_port = slow_mailbox
    officer = await add_officer(uow_factory, None)
    for index in range(12):
        await add_borrower_with_loan(uow_factory, officer, name=f"graceful{index}", phone=None)
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    worker = start(
        ["-m", "service.worker"],
        servers,
        tmp_path / "worker.log",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_SECURITY="none",
        SMTP_FROM="rappels@microcredit.example",
        NOTIFY_QUIET_START="00:00",  # no quiet window: the test may run at night
        NOTIFY_QUIET_END="00:00",
        NOTIFY_LANES="1",  # one notice at a time, a tenth of a second each: the job lasts
    )
    pool = await create_pool(RedisSettings.from_dsn(servers.redis_url))
    try:
        await pool.enqueue_job("deliver_notices", _job_id="deliver-then-sigterm")

        async def some_sent() -> bool:
            return len(box.received) >= 2

        await wait_for(some_sent, 60, "the first notices")
        worker.send_signal(signal.SIGTERM)
        assert len(box.received) < 12, "the job was over before the signal: nothing was tested"
        assert await asyncio.to_thread(worker.wait, 50) == 0
    finally:
        stop(worker)
        await pool.aclose()
    assert {row["status"] for row in await notice_rows(engine)} == {"sent"}  # the whole job, not cut
    assert len(box.received) == 12
    log = (tmp_path / "worker.log").read_text()
    assert "deliver-then-sigterm" in log and "worker_stopped" in log
