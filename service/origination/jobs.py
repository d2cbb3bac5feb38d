"""Origination's periodic task: offers past their validity expire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from service.kernel.jobs import Job
from service.origination.handlers.applications import expire_offers as expire_offers_batch

log = structlog.get_logger()


async def expire_offers(ctx: dict[str, Any]) -> int:
    """Offers past their validity become expired, in batches until none is left (idempotent)."""
    total, now = 0, datetime.now(UTC)
    today = ctx["settings"].business_date(now)  # an offer is valid to the end of its day in the lender's zone
    while expired := await expire_offers_batch(uow=ctx["uow"](), now=now, today=today):
        total += expired
    log.info("offers_expired", count=total)
    return total


def jobs() -> list[Job]:
    return [Job(expire_offers, cron={"hour": {0}, "minute": {5}, "unique": True, "run_at_startup": True})]
