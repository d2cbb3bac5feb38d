"""Identity's periodic task: expired borrower login codes are deleted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog

from service.identity.handlers import purge_expired_login_codes
from service.kernel.jobs import Job

log = structlog.get_logger()


async def purge_login_codes(ctx: dict[str, Any]) -> int:
    """Delete borrower login codes expired for over a day (they are useless and personal-adjacent)."""
    removed = await purge_expired_login_codes(uow=ctx["uow"](), now=datetime.now(UTC))
    log.info("login_codes_purged", removed=removed)
    return removed


def jobs() -> list[Job]:
    return [Job(purge_login_codes, cron={"hour": {3}, "minute": {15}, "unique": True, "run_at_startup": False})]
