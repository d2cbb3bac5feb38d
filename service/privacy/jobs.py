"""The privacy context's periodic task: the nightly retention run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.kernel.jobs import Job
from service.privacy.handlers import run_retention
from service.settings import Settings


async def retention(ctx: dict[str, Any]) -> dict[str, int]:
    """Erase or anonymise what passed its retention period (idempotent; see handlers.run_retention)."""
    settings: Settings = ctx["settings"]
    now = datetime.now(UTC)
    report = await run_retention(
        records=ctx["privacy_records"], policy=settings.retention_policy, today=settings.business_date(now), now=now
    )
    return report.counts


def jobs() -> list[Job]:
    # 02:30 lender time: after the close of business (00:30), when no one works on the files.
    cron = {"hour": {2}, "minute": {30}, "unique": True, "timeout": 3600}
    return [Job(retention, cron=cron)]
