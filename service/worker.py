"""The arq worker: settings read once at start, one engine per worker process, cron jobs.

Tasks take primitive arguments and may run more than once (arq retries), so every effect they
have is idempotent.

Any number of workers may run: each cron run is enqueued under a job id made of the job's name and
its scheduled time (arq's ``unique`` cron), which every worker computes alike, and arq enqueues an
id only once. arq's own ``run_at_startup`` would use each worker's start time instead (two workers,
two runs): a job that must also run at start is enqueued here under an id made of its name and the
business date, the same for every worker started that day (tests/worker/test_single_run.py).
Results are kept an hour, so that an id is also refused after its run finished.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, suppress
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from arq.worker import Worker

from service.identity import jobs as identity
from service.kernel.db.engine import create_engine
from service.kernel.metrics import QUEUE_DEPTH, measured, serve_metrics, watch_pool
from service.kernel.tracing import traced_sql, tracer_provider
from service.logging import configure_logging
from service.notifications import jobs as notifications
from service.notifications.channels.configured import open_channels
from service.origination import jobs as origination
from service.partners import jobs as partners
from service.partners.sender import HttpWebhookSender, standard_signature
from service.privacy import jobs as privacy
from service.servicing import jobs as servicing
from service.settings import Settings, load_settings
from service.wiring import job_resources

log = structlog.get_logger()


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings)
    if provider := tracer_provider(settings.otel_exporter_otlp_endpoint, "microcredit-worker"):
        ctx["tracer"] = provider.get_tracer("service.worker")
        traced_sql(ctx["engine"], provider)
        ctx["exit_stack"] = AsyncExitStack()
        ctx["exit_stack"].callback(provider.shutdown)  # sends the last batch
    ctx.update(job_resources(ctx["engine"]))
    ctx.setdefault("exit_stack", AsyncExitStack())
    if "channels" not in ctx:  # tests may bring their own
        ctx["channels"] = await open_channels(settings, ctx["exit_stack"])
    ctx.setdefault(
        "webhook_sender",
        HttpWebhookSender(timeout=settings.webhook_timeout_seconds, allow_private=settings.webhook_allow_private),
    )
    ctx["webhook_signer"] = standard_signature
    ctx["exit_stack"].callback(watch_pool(ctx["engine"]))
    ctx["exit_stack"].callback(serve_metrics(settings.metrics_port))
    ctx["queue_depth"] = asyncio.create_task(_report_queue_depth(ctx["redis"]))
    today = settings.business_date(datetime.now(UTC)).isoformat()
    for name in STARTUP_JOBS:
        await ctx["redis"].enqueue_job(name, _job_id=f"{name}:startup:{today}")
    log.info("worker_started")


async def shutdown(ctx: dict[str, Any]) -> None:
    ctx["queue_depth"].cancel()
    with suppress(asyncio.CancelledError):
        await ctx["queue_depth"]
    await ctx["exit_stack"].aclose()
    await ctx["engine"].dispose()
    log.info("worker_stopped")


async def _report_queue_depth(redis: Any, every: float = 5.0) -> None:
    """The arq queue's length for ``arq_queue_depth`` (read from Redis, which a scrape cannot await)."""
    while True:
        with suppress(Exception):  # Redis away for a moment: the gauge keeps its last value
            QUEUE_DEPTH.labels("arq:queue").set(await redis.zcard("arq:queue"))
        await asyncio.sleep(every)


# Each context publishes its jobs; the worker only composes them.
JOBS = [
    *identity.jobs(),
    *origination.jobs(),
    *servicing.jobs(),
    *notifications.jobs(),
    *partners.jobs(),
    *privacy.jobs(),
]
# Every task measured (run time, failures) under its own name.
FUNCTIONS: list[Any] = [measured(job.task) for job in JOBS]
# arq types its tasks as ``(ctx, *args, **kwargs)``; ours take the ctx only. ``run_at_startup`` is
# done by ``startup`` (see the module's docstring).
# A cron run's result is kept for an hour (arq keeps none by default): arq refuses an id whose job
# or result exists, so a worker late to enqueue a run another worker already finished is refused.
CRON_JOBS = [
    cron(cast(WorkerCoroutine, measured(job.task)), **{"keep_result": 3600, **job.cron, "run_at_startup": False})
    for job in JOBS
    if job.cron is not None
]
STARTUP_JOBS = [job.task.__name__ for job in JOBS if job.cron is not None and job.cron.get("run_at_startup")]


def build_worker(settings: Settings, **overrides: Any) -> Worker:
    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "ctx": {"settings": settings},
        # Cron hours are the lender's: the close of business at 00:30 is just after its day ends.
        "timezone": ZoneInfo(settings.lender_timezone),
        "job_timeout": 600,
        "max_tries": 5,
        "handle_signals": True,
        # The health key compose and Kubernetes read: refreshed every 30 s (arq's default is an
        # hour), so a worker that died while Redis lives shows unhealthy within half a minute.
        "health_check_interval": 30,
        # On SIGTERM the jobs running get this long to finish before arq cancels them (they are
        # retried then); under the stop grace periods of deploy/ (compose 60 s, Kubernetes 120 s).
        "job_completion_wait": 45,
    }
    options.update(overrides)
    return Worker(**options)


def main() -> None:
    settings = load_settings()
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    build_worker(settings).run()


if __name__ == "__main__":
    main()
