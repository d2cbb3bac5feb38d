"""The notices' tasks: planning into the outbox each night, delivery every minute (and on demand)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.notifications import RetryPolicy
from service.kernel.jobs import Job
from service.kernel.metrics import count_outbound
from service.notifications.handlers import (
    deliver_due_notices,
    plan_follow_up_notices,
    plan_loan_notices,
    plan_training_notices,
)
from service.settings import Settings


async def plan_notices(ctx: dict[str, Any]) -> int:
    """Write today's due-date reminders, missed-payment notices and officers' follow-up contacts
    coming due and trainings starting into the notice outbox (idempotent),
    then ask for a delivery run (deterministic job id: asked twice the same day, it runs once)."""
    settings: Settings = ctx["settings"]
    today = settings.business_date(datetime.now(UTC))
    planning = ctx["notice_planning"]
    report = await plan_loan_notices(today, planning=planning)
    follow_ups = await plan_follow_up_notices(today, planning=planning)
    follow_ups += await plan_training_notices(today, planning=planning)
    if "redis" in ctx:
        await ctx["redis"].enqueue_job("deliver_notices", _job_id=f"deliver-notices-after-plan-{today.isoformat()}")
    return report.notices_written + follow_ups


async def deliver_notices(ctx: dict[str, Any]) -> int:
    """Send the due pending notices of the outbox (see handlers for the guarantees)."""
    settings: Settings = ctx["settings"]
    report = await deliver_due_notices(
        outbox=ctx["notice_outbox"],
        channels=ctx["channels"],
        now=lambda: datetime.now(UTC),
        quiet=settings.quiet_window,
        retry=RetryPolicy(),
        lanes=settings.notify_lanes,
    )
    for outcome in ("sent", "retried", "failed", "skipped"):
        count_outbound("notice", outcome, getattr(report, outcome))
    return report.sent


def jobs() -> list[Job]:
    return [
        # After the close of business has brought instalment states to yesterday.
        Job(plan_notices, cron={"hour": {1}, "minute": {30}, "unique": True, "run_at_startup": False, "timeout": 1800}),
        # The outbox is the source of truth: a delivery run lost with Redis is only a missed trigger.
        Job(
            deliver_notices,
            cron={"minute": set(range(60)), "unique": True, "run_at_startup": False, "timeout": 1800},
        ),
    ]
