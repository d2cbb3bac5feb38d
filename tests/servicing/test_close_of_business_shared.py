"""The close of business shared by several workers: its chunks are claimed one at a time by
whoever is free (``FOR UPDATE SKIP LOCKED``), a chunk held by a worker that dies is claimed again,
and the day's figures are recorded once every chunk is done."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.servicing.handlers.close_of_business import CloseOfBusinessReport, close_business_day, work_on_chunks
from service.servicing.ports import AgedChunk, ChunkRange
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.servicing.test_close_of_business import TODAY, RecordingRefresh, assert_matches_replay, engine, make_book

__all__ = ["engine"]  # the fixture, shared with the close of business tests

DAY = date(2026, 5, 20)


class SlowBook(SqlCloseOfBusiness):
    """Takes a while per chunk, as a real chunk of 10,000 loans does, so that workers overlap."""

    def __init__(self, engine: AsyncEngine, name: str, log: list[tuple[str, int]]) -> None:
        super().__init__(engine)
        self.name = name
        self.log = log

    async def age_chunk(self, business_date: date, chunk: ChunkRange) -> AgedChunk:
        self.log.append((self.name, chunk.number))
        await asyncio.sleep(0.1)
        return await super().age_chunk(business_date, chunk)


async def test_two_workers_share_the_chunks_each_aged_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    loans = await make_book(uow_factory, officer, 10)
    claims: list[tuple[str, int]] = []
    progress: list[tuple[int, int]] = []

    def record_progress(business_date: date, done: int, total: int) -> None:
        progress.append((done, total))

    helpers: list[asyncio.Task[CloseOfBusinessReport]] = []

    async def spread(business_date: date, chunks: int) -> None:
        assert chunks == 5
        helper = SlowBook(engine, "helper", claims)
        helpers.append(
            asyncio.create_task(
                work_on_chunks(business_date, book=helper, refresh=RecordingRefresh(), progress=record_progress)
            )
        )

    report = await close_business_day(
        DAY,
        today=TODAY,
        book=SlowBook(engine, "runner", claims),
        refresh=RecordingRefresh(),
        chunk_size=2,
        spread=spread,
        progress=record_progress,
    )
    helped = await helpers[0]
    assert sorted(number for _, number in claims) == [1, 2, 3, 4, 5]  # each chunk aged once
    assert {name for name, _ in claims} == {"runner", "helper"}
    assert report.chunks + helped.chunks == 5
    # Progress after each chunk, whoever did it: done out of all, up to all five.
    assert len(progress) == 5 and {total for _, total in progress} == {5} and max(progress) == (5, 5)
    async with engine.connect() as connection:
        run = (await connection.execute(text("SELECT * FROM close_of_business_runs"))).mappings().one()
        done = await connection.scalar(text("SELECT count(*) FROM close_of_business_chunks WHERE done_at IS NOT NULL"))
        figures = await connection.scalar(text("SELECT sum(active_loans) FROM portfolio_daily"))
    assert run["finished_at"] is not None and run["chunks"] == 5 and run["loans_aged"] == 10
    assert done == 5 and figures == 10
    for made in loans:
        await assert_matches_replay(engine, made, DAY)


async def test_the_run_waits_for_a_chunk_held_elsewhere_and_takes_it_when_its_worker_dies(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    loans = await make_book(uow_factory, officer, 6)
    book = SqlCloseOfBusiness(engine)
    await book.start(DAY, chunk_size=2)
    held = asyncio.Event()
    die = asyncio.Event()

    async def worker_that_dies() -> None:
        # Claims chunk 1 and dies with it (its transaction rolls back, its lock goes).
        async with book.claim_chunk(DAY) as claim:
            assert claim is not None and claim.chunk.number == 1
            held.set()
            await die.wait()
            raise ConnectionResetError

    dying = asyncio.create_task(worker_that_dies())
    await held.wait()
    run = asyncio.create_task(
        close_business_day(DAY, today=TODAY, book=book, refresh=RecordingRefresh(), chunk_size=2, poll_seconds=0.05)
    )
    await asyncio.sleep(0.5)
    assert not run.done()  # chunks 2 and 3 done, chunk 1 held: the day is not finished
    assert await book.chunks_done(DAY) == (2, 3)
    die.set()
    report = await run
    assert report.chunks == 3  # it took chunk 1 once freed
    assert isinstance(dying.exception(), ConnectionResetError)
    for made in loans:
        await assert_matches_replay(engine, made, DAY)
