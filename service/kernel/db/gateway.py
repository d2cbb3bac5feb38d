"""The one way to send raw asyncpg statements: the hot paths (a payment, a loan's schedule, the
staff token check) where SQLAlchemy's per-statement work (compiling, caching, ORM flush) costs
more CPU than the round trip itself.

The asyncpg connection is reached through SQLAlchemy's public API only
(``AsyncConnection.get_raw_connection()`` and the pool's ``driver_connection``), on the session's
own connection and inside its transaction: the unit of work still commits or rolls back everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from domain.errors import Unavailable
from service.kernel.db.unit_of_work import connection_lost

__all__ = ["RawConnection", "autocommit", "in_transaction", "read_only"]


class RawConnection(Protocol):
    """The asyncpg calls the repositories make (``asyncpg.Connection`` has no type hints)."""

    async def fetch(self, query: str, *args: object) -> list[Any]: ...

    async def fetchrow(self, query: str, *args: object) -> Any: ...

    async def fetchval(self, query: str, *args: object) -> Any: ...

    async def execute(self, query: str, *args: object) -> str: ...

    async def executemany(self, query: str, args: Sequence[Sequence[object]]) -> None: ...

    def is_in_transaction(self) -> bool: ...

    def transaction(self, *, readonly: bool = False) -> AbstractAsyncContextManager[Any]: ...


async def _raw(connection: AsyncConnection) -> RawConnection:
    pooled = await connection.get_raw_connection()
    return cast(RawConnection, pooled.driver_connection)


async def in_transaction(session: AsyncSession) -> RawConnection:
    """The asyncpg connection of ``session``, its transaction begun. SQLAlchemy's asyncpg adapter
    begins lazily, at the first statement sent through it, and has no public ``begin``: a raw write
    before that would autocommit, outside the unit of work. So the first one goes through SQLAlchemy."""
    connection = await session.connection()
    raw = await _raw(connection)
    if not raw.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")
    return raw


@asynccontextmanager
async def read_only(session: AsyncSession) -> AsyncIterator[RawConnection]:
    """The asyncpg connection of ``session`` for reads, in a READ ONLY transaction of its own
    (asyncpg's public ``transaction()``: BEGIN and COMMIT, the round trips the unit of work's own
    BEGIN and ROLLBACK cost before), or in the session's transaction when one is begun already.
    Measured (issue 12, 2026-11-30, servicing benchmark, same session): the schedule document sent
    alone, outside any transaction, saved CPU but its p99 was far worse (58-105 ms in 5 of 7 runs)
    than inside this transaction (7.5-21 ms in 3 of 4): two round trips buy a steadier p99."""
    raw = await _raw(await session.connection())
    if raw.is_in_transaction():
        yield raw
        return
    async with raw.transaction(readonly=True):
        yield raw


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[RawConnection]:
    """A pooled asyncpg connection for single statements in autocommit (one round trip each: through
    SQLAlchemy a lookup is BEGIN, SELECT and ROLLBACK). A lost database is a 503 the client retries."""
    try:
        async with engine.connect() as connection:
            try:
                yield await _raw(connection)
            except Exception:
                await connection.invalidate()  # SQLAlchemy did not see it fail: keep it out of the pool
                raise
    except Exception as error:
        if connection_lost(error):
            raise Unavailable("the database is unavailable for a moment; retry", code="service.unavailable") from None
        raise
