"""The partners' task: webhook deliveries from the outbox, every minute."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.kernel.jobs import Job
from service.partners.handlers.webhooks import deliver_due_webhooks
from service.settings import Settings


async def deliver_webhooks(ctx: dict[str, Any]) -> int:
    """Send the due webhook deliveries (see ``deliver_due_webhooks`` for the guarantees)."""
    settings: Settings = ctx["settings"]
    report = await deliver_due_webhooks(
        outbox=ctx["webhook_outbox"],
        sender=ctx["webhook_sender"],
        sign=ctx["webhook_signer"],
        now=lambda: datetime.now(UTC),
        disable_after=settings.webhook_disable_after,
        lanes=settings.webhook_lanes,
    )
    return report.sent


def jobs() -> list[Job]:
    # The outbox is the source of truth: a run lost with Redis is only a missed trigger.
    return [
        Job(
            deliver_webhooks,
            cron={"minute": set(range(60)), "unique": True, "run_at_startup": False, "timeout": 1800},
        )
    ]
