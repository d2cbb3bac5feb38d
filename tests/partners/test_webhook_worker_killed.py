"""A real worker process killed (SIGKILL) in the middle of webhook deliveries, and Redis emptied:
when a worker comes back every delivery reaches the receiver, and the only one it may get twice
(the one in flight at the kill) carries the same ``webhook-id`` both times."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from arq import create_pool
from arq.connections import RedisSettings
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.partners.model import EventType
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import TEST_SECRET_KEY, Caller, lender_today, sign_in_partner
from tests.partners.receiver import Receiver, running_receiver
from tests.partners.test_feed import referred
from tests.partners.test_webhooks import register
from tests.servers import ROOT, RunningServers
from tests.worker.test_worker_killed import wait_for

EVENTS = 16


def start_worker(servers: RunningServers) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "WEBHOOK_LANES": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "service.worker"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def statuses(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT status FROM webhook_deliveries"))).scalars())


async def test_a_killed_worker_loses_no_webhook_and_a_duplicate_carries_the_same_id(
    servers: RunningServers,
    client: AsyncTestClient[Litestar],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    officer: Caller,
) -> None:
    partner = await sign_in_partner(client, uow_factory, "killed")
    with running_receiver(Receiver(delay_seconds=0.1)) as receiver:
        receiver.secrets = [(await register(client, partner, receiver.url))["secret"]]
        for n in range(EVENTS):
            person = await referred(client, officer, partner, f"k{n}@example.org")
            async with uow_factory() as uow:
                await uow.partner_events.record(person, EventType.CONTACTED, on=lender_today(), at=datetime.now(UTC))
                await uow.commit()
        pool = await create_pool(RedisSettings.from_dsn(servers.redis_url))
        worker = start_worker(servers)
        try:
            await pool.enqueue_job("deliver_webhooks")

            async def some_received() -> bool:
                return len(receiver.received) >= 4

            await wait_for(some_received, 60)
            worker.send_signal(signal.SIGKILL)  # mid-batch: no clean-up of any kind
            worker.wait(timeout=10)
            assert len(receiver.received) < EVENTS, "the batch was over before the kill: nothing was tested"
            redis = Redis.from_url(servers.redis_url)
            await redis.flushdb()  # the queue and arq's in-progress keys: gone
            await redis.aclose()

            worker = start_worker(servers)
            await pool.enqueue_job("deliver_webhooks")  # what the next minute's cron does

            async def all_sent() -> bool:
                return set(await statuses(engine)) == {"sent"}

            await wait_for(all_sent, 90)
        finally:
            worker.kill()
            worker.wait(timeout=10)
            await pool.aclose()
    async with engine.connect() as connection:
        ids = set((await connection.execute(text("SELECT id::text FROM webhook_deliveries"))).scalars())
    counts = Counter(d.webhook_id for d in receiver.received)
    assert set(counts) == ids and len(ids) == EVENTS  # none lost
    assert all(d.verified_with for d in receiver.received)
    twice = {k: v for k, v in counts.items() if v > 1}
    assert len(twice) <= 1 and set(twice.values()) <= {2}, twice  # at most the one in flight, same id
