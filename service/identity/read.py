"""The staff token version read on every staff request (see ``authenticate_token``)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from service.kernel.db.gateway import autocommit


class SqlStaffTokenVersions:
    """One primary-key lookup per staff request: straight to asyncpg on a pooled connection, in
    autocommit, so one round trip (through SQLAlchemy it is BEGIN, SELECT and ROLLBACK)."""

    _QUERY = "select token_version from staff_users where id = $1 and active"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def current(self, user_id: uuid.UUID) -> int | None:
        async with autocommit(self.engine) as connection:
            version: int | None = await connection.fetchval(self._QUERY, user_id)
        return version
