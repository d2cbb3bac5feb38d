"""The asyncpg connection under a session, for hot paths (a payment, a loan statement).

SQLAlchemy's per-statement work (compiling, caching, ORM flush) costs more CPU than the round
trip itself; a payment makes about a dozen small statements, so the servicing repositories send
them straight to asyncpg, on the session's own connection and inside its transaction: the unit
of work still commits or rolls back everything together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def driver(session: AsyncSession) -> Any:
    """The asyncpg connection of ``session``, its transaction begun (SQLAlchemy begins it lazily,
    at the first statement it sends itself; a raw statement before that would autocommit)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    adapter: Any = raw.dbapi_connection
    if adapter._transaction is None:
        await adapter._start_transaction()
    return adapter._connection
