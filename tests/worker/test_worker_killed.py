"""Issue 6's failure: a real worker process is killed (SIGKILL) in the middle of a batch and Redis is
emptied. When a worker and Redis come back, no notice is lost (the notice table is the source of
truth) and none is sent twice, except at most the one the killed worker had in flight (one lane)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from service.notifications.handlers import plan_loan_notices
from service.notifications.read import SqlNoticePlanning
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import TEST_SECRET_KEY
from tests.notifications.channels.test_smtp_email import Mailbox, smtp_server
from tests.notifications.test_jobs import add_borrower_with_loan, add_officer, message_ids, notice_rows
from tests.servers import ROOT, RunningServers

NOTICES = 16


class SlowMailbox(Mailbox):
    """Takes a tenth of a second per message, so that the kill lands in the middle of the batch."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_mailbox() -> Iterator[tuple[SlowMailbox, int]]:
    box = SlowMailbox()
    with smtp_server(box) as port:
        yield box, port


def start_worker(servers: RunningServers, smtp_port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "SMTP_FROM": "rappels@microcredit.example",
        "NOTIFY_QUIET_START": "00:00",  # an empty quiet window: the test may run at night
        "NOTIFY_QUIET_END": "00:00",
        "NOTIFY_LANES": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "service.worker"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_a_killed_worker_and_an_emptied_redis_lose_no_notice_and_resend_at_most_the_one_in_flight(
    servers: RunningServers,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    slow_mailbox: tuple[SlowMailbox, int],
) -> None:
    box, port = slow_mailbox
    officer = await add_officer(uow_factory, None)
    for index in range(NOTICES):
        await add_borrower_with_loan(uow_factory, officer, name=f"killed{index}", phone=None)
    await plan_loan_notices(date(2026, 2, 13), planning=SqlNoticePlanning(engine))
    assert len(await notice_rows(engine)) == NOTICES
    pool = await create_pool(RedisSettings.from_dsn(servers.redis_url))
    worker = start_worker(servers, port)
    try:
        await pool.enqueue_job("deliver_notices")

        async def some_delivered() -> bool:
            return len(box.received) >= 4

        await wait_for(some_delivered, 60)
        worker.send_signal(signal.SIGKILL)  # in the middle of the batch: no clean-up of any kind
        worker.wait(timeout=10)
        half = len(box.received)
        assert half < NOTICES, "the batch was over before the kill: nothing was tested"
        redis = Redis.from_url(servers.redis_url)
        await redis.flushdb()  # the queue, arq's in-progress keys and results: all gone
        await redis.aclose()

        worker = start_worker(servers, port)
        await pool.enqueue_job("deliver_notices")  # what the next minute's cron does

        async def all_sent() -> bool:
            return {r["status"] for r in await notice_rows(engine)} == {"sent"}

        await wait_for(all_sent, 90)
    finally:
        worker.kill()
        worker.wait(timeout=10)
        await pool.aclose()
    sent = message_ids(box)
    assert set(sent) == {str(r["id"]) for r in await notice_rows(engine)}  # none lost
    twice = {notice: count for notice, count in sent.items() if count > 1}
    assert len(twice) <= 1 and set(twice.values()) <= {2}, twice  # at most the one in flight, once more
