"""The arq worker: settings read once at start, one engine per worker process, cron jobs.

Tasks take primitive arguments and may run more than once (arq retries), so every effect they
have is idempotent.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any, cast
from zoneinfo import ZoneInfo

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.typing import WorkerCoroutine
from arq.worker import Worker

from service.identity import jobs as identity
from service.kernel.db.engine import create_engine
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
    ctx.update(job_resources(ctx["engine"]))
    ctx["exit_stack"] = AsyncExitStack()
    if "channels" not in ctx:  # tests may bring their own
        ctx["channels"] = await open_channels(settings, ctx["exit_stack"])
    ctx.setdefault(
        "webhook_sender",
        HttpWebhookSender(timeout=settings.webhook_timeout_seconds, allow_private=settings.webhook_allow_private),
    )
    ctx["webhook_signer"] = standard_signature
    log.info("worker_started")


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["exit_stack"].aclose()
    await ctx["engine"].dispose()
    log.info("worker_stopped")


# Each context publishes its jobs; the worker only composes them.
JOBS = [
    *identity.jobs(),
    *origination.jobs(),
    *servicing.jobs(),
    *notifications.jobs(),
    *partners.jobs(),
    *privacy.jobs(),
]
FUNCTIONS: list[Any] = [job.task for job in JOBS]
# arq types its tasks as ``(ctx, *args, **kwargs)``; ours take the ctx only.
CRON_JOBS = [cron(cast(WorkerCoroutine, job.task), **job.cron) for job in JOBS if job.cron is not None]


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
