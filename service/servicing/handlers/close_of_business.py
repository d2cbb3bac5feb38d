"""Close of business: age the loan book to a business date and record the day's portfolio figures.

The loan state stored after every replay is valid for ``loans.state_as_of``. With no new event
since, moving it to the business date D only lets days pass (``domain.servicing.state_as_of``):
instalments fall due, late ones are charged their late fee once and penalty interest per day late,
and the loan's days past due, bucket and next due date follow. The ``CloseOfBusinessBook`` does
this with set-based SQL, a chunk of loans (by id) per committed transaction, and only moves loans
forward (a loan already at D or later is untouched), so:

- running it twice for the same date changes nothing (a finished run is not started again, and
  no loan is behind D any more);
- a run killed halfway resumes with the chunks not done, and loans of a chunk committed but not
  yet marked done are skipped because they are at D: the result is that of one clean run.

A run is split into chunks when it starts; the worker running it and any helpers (``spread``
asks for them, ``work_on_chunks`` is what they run) claim chunks one at a time until none is
left, a chunk held by a worker that dies is claimed again, and the run finishes (figures of the
day) once every chunk is done.

Days are closed in order, and only a day that is over: D must not be before the last day closed
(its figures would be taken from loans already aged past it), and must be before ``today``, the
current business date in the lender's time zone (``Settings.business_date``). A future D would
age loans past today (a loan disbursed today showed 62 days late), and since ageing only moves
forward, a later run for the right day could not undo it; a run for today would freeze figures
of a day still going on. What such runs left behind is undone first (``undo_days_not_over``).

One case is not only days passing: a loan with a credit balance and an instalment falling due
since its state date (the credit pays it on its due date, which moves money). Those loans are
replayed one by one by ``refresh`` (the servicing use case), after their chunk is committed and
before the chunk's progress is, so that a kill in between replays them on the re-run.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import structlog

from domain.errors import RuleViolation
from service.servicing.ports import CloseOfBusinessBook

log = structlog.get_logger()

Refresh = Callable[[uuid.UUID, date], Awaitable[object]]
# Called with the business date and the number of chunks once they are planned: asks for helpers.
Spread = Callable[[date, int], Awaitable[object]]
# Called after each chunk done by this worker: (business date, chunks done by all, chunks in all).
Progress = Callable[[date, int, int], object]
DEFAULT_CHUNK = 10_000


@dataclass(frozen=True)
class CloseOfBusinessReport:
    business_date: date
    already_done: bool
    chunks: int  # done by this worker
    loans_aged: int
    installments_updated: int
    loans_refreshed: int


# The nightly run closes the days missed while the worker was down, up to this many.
MAX_CATCH_UP_DAYS = 31


def days_to_close(last_closed: date | None, *, today: date, at_most: int = MAX_CATCH_UP_DAYS) -> list[date]:
    """The days that are over and not closed yet, oldest first: from the day after the last one
    closed (yesterday before the first close) to yesterday, the latest ``at_most`` of them."""
    yesterday = today - timedelta(days=1)
    first = max(last_closed + timedelta(days=1) if last_closed else yesterday, yesterday - timedelta(days=at_most - 1))
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


def ensure_day_is_over(business_date: date, *, today: date) -> None:
    """A close of business runs for a day that is over: before ``today`` (the lender's date)."""
    if business_date >= today:
        raise RuleViolation(
            f"only a day that is over can be closed: {business_date.isoformat()} is not before"
            f" today ({today.isoformat()}, in the lender's time zone)",
            code="close_of_business.day_not_over",
            field="business_date",
        )


async def undo_days_not_over(*, today: date, book: CloseOfBusinessBook, refresh: Refresh) -> int:
    """Undo what closes of days not over yet left behind (this service once accepted them): their
    runs and figures go, and loans aged past today are replayed as of today. Loans dated tomorrow
    are left alone: payments are dated by the UTC day, which may be a day ahead of the lender's."""
    aged_past = await book.forget_days_from(today, loans_after=today + timedelta(days=1))
    for loan_id in aged_past:
        await refresh(loan_id, today)
    if aged_past:
        log.warning("close_of_business_future_days_undone", today=today.isoformat(), loans_replayed=len(aged_past))
    return len(aged_past)


async def close_business_day(
    business_date: date,
    *,
    today: date,
    book: CloseOfBusinessBook,
    refresh: Refresh,
    chunk_size: int = DEFAULT_CHUNK,
    spread: Spread | None = None,
    progress: Progress | None = None,
    poll_seconds: float = 0.5,
) -> CloseOfBusinessReport:
    """Age every active loan to ``business_date`` and record the day's figures (idempotent). The
    report counts what this worker did; the run's totals are in its row."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    ensure_day_is_over(business_date, today=today)
    await undo_days_not_over(today=today, book=book, refresh=refresh)
    last_closed = await book.last_closed()
    if last_closed is not None and business_date < last_closed:
        raise RuleViolation(
            f"days are closed in order: {business_date.isoformat()} is before the last day closed"
            f" ({last_closed.isoformat()}), whose loans are already aged past it",
            code="close_of_business.closed_later",
            field="business_date",
        )
    return await _close(
        business_date,
        book=book,
        refresh=refresh,
        chunk_size=chunk_size,
        spread=spread,
        progress=progress,
        poll_seconds=poll_seconds,
    )


async def _close(
    business_date: date,
    *,
    book: CloseOfBusinessBook,
    refresh: Refresh,
    chunk_size: int,
    spread: Spread | None,
    progress: Progress | None,
    poll_seconds: float = 0.5,
) -> CloseOfBusinessReport:
    """Close ``business_date``, which the caller checked: over, not before the last day closed,
    what days not over left behind undone."""
    started = time.monotonic()
    run = await book.start(business_date, chunk_size=chunk_size)
    if run.finished:
        log.info("close_of_business_already_done", business_date=business_date.isoformat())
        return CloseOfBusinessReport(business_date, True, 0, 0, 0, 0)
    if spread is not None and run.chunks > 1:
        await spread(business_date, run.chunks)
    report = CloseOfBusinessReport(business_date, False, 0, 0, 0, 0)
    # Chunks held by others are theirs until they finish them (or die, and free them): wait and
    # claim again until every chunk is done.
    while True:
        report = _add(report, await work_on_chunks(business_date, book=book, refresh=refresh, progress=progress))
        done, total = await book.chunks_done(business_date)
        if done == total:
            break
        await asyncio.sleep(poll_seconds)
    await book.finish(business_date)
    log.info(
        "close_of_business_finished",
        business_date=business_date.isoformat(),
        chunks=run.chunks,
        chunks_here=report.chunks,
        loans_aged_here=report.loans_aged,
        installments_updated_here=report.installments_updated,
        loans_refreshed_here=report.loans_refreshed,
        seconds=round(time.monotonic() - started, 1),
    )
    return report


async def work_on_chunks(
    business_date: date, *, book: CloseOfBusinessBook, refresh: Refresh, progress: Progress | None = None
) -> CloseOfBusinessReport:
    """Claim and age chunks of ``business_date``'s run until none is free: what the worker running
    the close and every helper do. The loans to replay are replayed while the chunk is held, before
    it is marked done, so that after a kill in between the next claimant ages and replays them."""
    report = CloseOfBusinessReport(business_date, False, 0, 0, 0, 0)
    while True:
        async with book.claim_chunk(business_date) as claim:
            if claim is None:
                return report
            aged = await book.age_chunk(business_date, claim.chunk)
            for loan_id in aged.to_refresh:
                await refresh(loan_id, business_date)
            await claim.done(aged, refreshed=len(aged.to_refresh))
        report = _add(
            report,
            CloseOfBusinessReport(
                business_date, False, 1, aged.loans_aged, aged.installments_updated, len(aged.to_refresh)
            ),
        )
        done, total = await book.chunks_done(business_date)
        log.info("close_of_business_progress", business_date=business_date.isoformat(), done=done, total=total)
        if progress is not None:
            progress(business_date, done, total)


def _add(a: CloseOfBusinessReport, b: CloseOfBusinessReport) -> CloseOfBusinessReport:
    return CloseOfBusinessReport(
        a.business_date,
        a.already_done and b.already_done,
        a.chunks + b.chunks,
        a.loans_aged + b.loans_aged,
        a.installments_updated + b.installments_updated,
        a.loans_refreshed + b.loans_refreshed,
    )


async def close_days_not_closed(
    *,
    today: date,
    book: CloseOfBusinessBook,
    refresh: Refresh,
    chunk_size: int = DEFAULT_CHUNK,
    spread: Spread | None = None,
    progress: Progress | None = None,
) -> list[CloseOfBusinessReport]:
    """Close every day that is over and not closed yet, in order (``days_to_close``): the nightly
    run, which also catches up on the days missed while the worker was down."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    # Checked once for the whole catch-up: each day is over, after the last one closed, in order.
    await undo_days_not_over(today=today, book=book, refresh=refresh)
    return [
        await _close(day, book=book, refresh=refresh, chunk_size=chunk_size, spread=spread, progress=progress)
        for day in days_to_close(await book.last_closed(), today=today)
    ]
