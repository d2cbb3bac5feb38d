"""Servicing's periodic task, the nightly close of business, and its helpers on other workers."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from service.kernel.jobs import Job
from service.kernel.metrics import (
    CLOSE_OF_BUSINESS_CHUNKS_DONE,
    CLOSE_OF_BUSINESS_CHUNKS_TOTAL,
    CLOSE_OF_BUSINESS_DURATION,
    CLOSE_OF_BUSINESS_LOANS_AGED,
)
from service.servicing.handlers.close_of_business import close_days_not_closed, work_on_chunks
from service.servicing.handlers.payments import refresh_loan_state
from service.settings import Settings

# Helpers asked for at most: each is one more chunk aged at once (PostgreSQL does the work; with
# two database cores, more than a few only queue on its locks and CPUs).
MAX_HELPERS = 4


def _progress(business_date: date, done: int, total: int) -> None:
    CLOSE_OF_BUSINESS_CHUNKS_DONE.set(done)
    CLOSE_OF_BUSINESS_CHUNKS_TOTAL.set(total)


async def close_of_business(ctx: dict[str, Any]) -> int:
    """Age the loans to each business day that is over and not closed yet (yesterday in the
    lender's time zone, and the days missed while the worker was down) and record their figures;
    idempotent, and a run killed halfway resumes where it stopped (see handlers.close_of_business).
    Other workers help: one ``help_close_of_business`` job per chunk beyond the first, up to
    ``MAX_HELPERS``, each claiming chunks until none is left."""
    settings: Settings = ctx["settings"]

    async def spread(business_date: date, chunks: int) -> None:
        if "redis" not in ctx:  # called outside a worker (tests): no one to help
            return
        for helper in range(min(chunks - 1, MAX_HELPERS)):
            day = business_date.isoformat()
            await ctx["redis"].enqueue_job("help_close_of_business", day, _job_id=f"help-cob:{day}:{helper}")

    started = time.perf_counter()
    reports = await close_days_not_closed(
        today=settings.business_date(datetime.now(UTC)),
        book=ctx["close_of_business_book"],
        refresh=partial(refresh_loan_state, uow_factory=ctx["uow"]),
        spread=spread,
        progress=_progress,
    )
    if any(not report.already_done for report in reports):
        CLOSE_OF_BUSINESS_DURATION.observe(time.perf_counter() - started)
    aged = sum(report.loans_aged for report in reports)
    CLOSE_OF_BUSINESS_LOANS_AGED.inc(aged)
    return aged


async def help_close_of_business(ctx: dict[str, Any], business_date: str) -> int:
    """Age chunks of ``business_date``'s close of business until none is free (the worker that
    runs the close waits for the chunks held here before it records the day's figures)."""
    report = await work_on_chunks(
        date.fromisoformat(business_date),
        book=ctx["close_of_business_book"],
        refresh=partial(refresh_loan_state, uow_factory=ctx["uow"]),
        progress=_progress,
    )
    CLOSE_OF_BUSINESS_LOANS_AGED.inc(report.loans_aged)
    return report.loans_aged


def jobs() -> list[Job]:
    cron = {"hour": {0}, "minute": {30}, "unique": True, "run_at_startup": True, "timeout": 3600}
    return [Job(close_of_business, cron=cron), Job(help_close_of_business)]
