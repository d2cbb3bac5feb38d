"""Any number of workers: each cron run and each start-up run happens once (issue 16, item 2).

Two real worker processes (``python -m service.worker``) on the test PostgreSQL and Redis, each
serving its metrics; the runs of every job are summed over both. arq enqueues a ``unique`` cron
run under ``cron:<name>:<scheduled time>``, the same id in both workers, and an id only once; arq's
own ``run_at_startup`` would have used each worker's start time (two runs), which is why the worker
enqueues start-up runs itself under the business date (``service.worker``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from arq import create_pool
from arq.connections import RedisSettings
from redis.asyncio import Redis

from service.settings import Settings
from tests.conftest import lender_today, truncate_all
from tests.servers import RunningServers
from tests.worker.processes import scrape, start, stop, wait_for
from tools.embedded import free_port


def runs(ports: list[int], job: str) -> float:
    """Runs of ``job`` finished in all the workers (their ``job_duration_seconds`` counts)."""
    return sum(scrape(port).get(("job_duration_seconds_count", (("job", job),)), 0.0) for port in ports)


async def test_two_workers_run_each_cron_and_start_up_job_once(
    servers: RunningServers, settings: Settings, tmp_path: Path
) -> None:
    # The minute's cron (notice delivery) is the one to watch: start just before a minute turns.
    to_next_minute = 60 - time.time() % 60
    if to_next_minute < 8 or to_next_minute > 20:
        await asyncio.sleep((to_next_minute - 12) % 60)
    ports = [free_port(), free_port()]
    while ports[1] == ports[0]:
        ports[1] = free_port()
    workers = [
        start(["-m", "service.worker"], servers, tmp_path / f"worker{n}.log", METRICS_PORT=str(port))
        for n, port in enumerate(ports)
    ]
    redis = Redis.from_url(settings.redis_url)
    try:

        async def both_healthy() -> bool:
            return all(_serving(port) for port in ports)

        await wait_for(both_healthy, 30, "two workers")
        minute_turned = time.time() // 60 * 60 + 60

        async def startup_runs_done() -> bool:
            return runs(ports, "close_of_business") >= 1 and runs(ports, "expire_offers") >= 1

        await wait_for(startup_runs_done, 30, "the start-up runs")

        async def cron_ran() -> bool:
            return time.time() > minute_turned + 3 and runs(ports, "deliver_notices") >= 1

        # Up to a minute when a slow start missed the minute the test aimed at.
        await wait_for(cron_ran, 75, "the minute's notice delivery")
        await asyncio.sleep(2)  # time for a second, duplicate run to show
        assert [w.poll() for w in workers] == [None, None], "a worker died"
        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        results = await pool.all_job_results()
        await pool.aclose()
        ids: dict[str, list[str]] = {}
        for result in results:
            ids.setdefault(result.function.removeprefix("cron:"), []).append(result.job_id)
        # Cron runs are only those of the schedule, never one per worker's start time: arq schedules
        # them at second 0 and 123,456 µs of their minute, the same instant in every worker.
        cron_times = [int(i.rsplit(":", 1)[1]) for job_ids in ids.values() for i in job_ids if i.startswith("cron:")]
        assert all(ms % 60_000 == 123 for ms in cron_times), cron_times
        # One start-up run per job, however many workers started.
        for job in ("close_of_business", "expire_offers"):
            assert [i for i in ids[job] if ":startup:" in i] == [f"{job}:startup:{lender_today().isoformat()}"]
        # Every run has its own job id (one per schedule time), and none ran twice.
        for job in ("close_of_business", "expire_offers", "deliver_notices"):
            assert runs(ports, job) == len(ids[job]) == len(set(ids[job])), (job, ids[job])
        assert any(i.startswith("cron:deliver_notices:") for i in ids["deliver_notices"])
    finally:
        for worker in workers:
            stop(worker)
        await redis.aclose()
        await truncate_all(settings.database_url, settings.redis_url)


def _serving(port: int) -> bool:
    try:
        scrape(port)
    except OSError:
        return False
    return True
