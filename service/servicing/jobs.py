"""Servicing's periodic task: the nightly close of business."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from service.kernel.jobs import Job
from service.servicing.handlers.close_of_business import close_days_not_closed
from service.servicing.handlers.payments import refresh_loan_state
from service.settings import Settings


async def close_of_business(ctx: dict[str, Any]) -> int:
    """Age the loans to each business day that is over and not closed yet (yesterday in the
    lender's time zone, and the days missed while the worker was down) and record their figures;
    idempotent, and a run killed halfway resumes where it stopped (see handlers.close_of_business)."""
    settings: Settings = ctx["settings"]
    reports = await close_days_not_closed(
        today=settings.business_date(datetime.now(UTC)),
        book=ctx["close_of_business_book"],
        refresh=partial(refresh_loan_state, uow_factory=ctx["uow"]),
    )
    return sum(report.loans_aged for report in reports)


def jobs() -> list[Job]:
    cron = {"hour": {0}, "minute": {30}, "unique": True, "run_at_startup": True, "timeout": 3600}
    return [Job(close_of_business, cron=cron)]
