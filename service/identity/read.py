"""The staff token version read on every staff request (see ``authenticate_token``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import Unavailable
from service.kernel.db.unit_of_work import _connection_lost


class SqlStaffTokenVersions:
    """One primary-key lookup per staff request: straight to asyncpg on a pooled connection, in
    autocommit, so one round trip (through SQLAlchemy it is BEGIN, SELECT and ROLLBACK)."""

    _QUERY = "select token_version from staff_users where id = $1 and active"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def current(self, user_id: uuid.UUID) -> int | None:
        try:
            async with self.engine.connect() as connection:
                raw = await connection.get_raw_connection()
                adapter: Any = raw.dbapi_connection
                try:
                    version: int | None = await adapter._connection.fetchval(self._QUERY, user_id)
                except Exception:
                    await connection.invalidate()  # SQLAlchemy did not see it fail: keep it out of the pool
                    raise
        except Exception as error:
            if _connection_lost(error):  # a 503 the client retries, as for every other request then
                raise Unavailable(
                    "the database is unavailable for a moment; retry", code="service.unavailable"
                ) from None
            raise
        return version
