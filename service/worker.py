"""The arq worker: settings read once at start, one engine per worker process, cron jobs.

Tasks take primitive arguments and may run more than once (arq retries), so every effect they
have is idempotent.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker

from domain.notifications import RetryPolicy
from service.identity.handlers import purge_expired_login_codes
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.logging import configure_logging
from service.notifications.channels.configured import open_channels
from service.notifications.handlers import (
    deliver_due_notices,
    plan_follow_up_notices,
    plan_loan_notices,
    plan_training_notices,
)
from service.notifications.read import SqlNoticeOutbox, SqlNoticePlanning
from service.origination.handlers.applications import expire_offers as expire_offers_batch
from service.servicing.handlers.close_of_business import close_days_not_closed
from service.servicing.handlers.payments import refresh_loan_state
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.settings import Settings, load_settings
from service.wiring import SqlUnitOfWorkFactory

log = structlog.get_logger()


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    ctx["engine"] = create_engine(settings)
    ctx["uow"] = SqlUnitOfWorkFactory(create_sessionmaker(ctx["engine"]))
    ctx["exit_stack"] = AsyncExitStack()
    if "channels" not in ctx:  # tests may bring their own
        ctx["channels"] = await open_channels(settings, ctx["exit_stack"])
    log.info("worker_started")


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["exit_stack"].aclose()
    await ctx["engine"].dispose()
    log.info("worker_stopped")


async def purge_login_codes(ctx: dict[str, Any]) -> int:
    """Delete borrower login codes expired for over a day (they are useless and personal-adjacent)."""
    removed = await purge_expired_login_codes(uow=ctx["uow"](), now=datetime.now(UTC))
    log.info("login_codes_purged", removed=removed)
    return removed


async def expire_offers(ctx: dict[str, Any]) -> int:
    """Offers past their validity become expired, in batches until none is left (idempotent)."""
    total = 0
    while expired := await expire_offers_batch(uow=ctx["uow"](), now=datetime.now(UTC)):
        total += expired
    log.info("offers_expired", count=total)
    return total


async def close_of_business(ctx: dict[str, Any]) -> int:
    """Age the loans to each business day that is over and not closed yet (yesterday in the
    lender's time zone, and the days missed while the worker was down) and record their figures;
    idempotent, and a run killed halfway resumes where it stopped (see usecases.close_of_business)."""
    settings: Settings = ctx["settings"]
    reports = await close_days_not_closed(
        today=settings.business_date(datetime.now(UTC)),
        book=SqlCloseOfBusiness(ctx["engine"]),
        refresh=partial(refresh_loan_state, uow_factory=ctx["uow"]),
    )
    return sum(report.loans_aged for report in reports)


async def plan_notices(ctx: dict[str, Any]) -> int:
    """Write today's due-date reminders, missed-payment notices and officers' follow-up contacts
    coming due and trainings starting into the notice outbox (idempotent),
    then ask for a delivery run (deterministic job id: asked twice the same day, it runs once)."""
    settings: Settings = ctx["settings"]
    today = settings.business_date(datetime.now(UTC))
    planning = SqlNoticePlanning(ctx["engine"])
    report = await plan_loan_notices(today, planning=planning)
    follow_ups = await plan_follow_up_notices(today, planning=planning)
    follow_ups += await plan_training_notices(today, planning=planning)
    if "redis" in ctx:
        await ctx["redis"].enqueue_job("deliver_notices", _job_id=f"deliver-notices-after-plan-{today.isoformat()}")
    return report.notices_written + follow_ups


async def deliver_notices(ctx: dict[str, Any]) -> int:
    """Send the due pending notices of the outbox (see usecases.notifications for the guarantees)."""
    settings: Settings = ctx["settings"]
    report = await deliver_due_notices(
        outbox=SqlNoticeOutbox(ctx["engine"]),
        channels=ctx["channels"],
        now=lambda: datetime.now(UTC),
        quiet=settings.quiet_window,
        retry=RetryPolicy(),
        lanes=settings.notify_lanes,
    )
    return report.sent


FUNCTIONS: list[Any] = [purge_login_codes, expire_offers, close_of_business, plan_notices, deliver_notices]
CRON_JOBS = [
    cron(purge_login_codes, hour={3}, minute={15}, unique=True, run_at_startup=False),
    cron(expire_offers, hour={0}, minute={5}, unique=True, run_at_startup=True),
    cron(close_of_business, hour={0}, minute={30}, unique=True, run_at_startup=True, timeout=3600),
    # After the close of business has brought instalment states to yesterday.
    cron(plan_notices, hour={1}, minute={30}, unique=True, run_at_startup=False, timeout=1800),
    # The outbox is the source of truth: a delivery run lost with Redis is only a missed trigger.
    cron(deliver_notices, minute=set(range(60)), unique=True, run_at_startup=False, timeout=1800),
]


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
    }
    options.update(overrides)
    return Worker(**options)


def main() -> None:
    settings = load_settings()
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    build_worker(settings).run()


if __name__ == "__main__":
    main()
