"""Readiness checks against the real servers, each bounded by a short timeout."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class ServersReadiness:
    def __init__(self, engine: AsyncEngine, redis: Any, timeout: float = 2.0) -> None:
        self.engine, self.redis, self.timeout = engine, redis, timeout

    async def _database(self) -> bool:
        async with self.engine.connect() as connection:
            return bool((await connection.scalar(text("select 1"))) == 1)

    async def _redis(self) -> bool:
        return bool(await self.redis.ping())

    async def check(self) -> dict[str, bool]:
        results: dict[str, bool] = {}
        for name, probe in (("postgresql", self._database), ("redis", self._redis)):
            try:
                results[name] = await asyncio.wait_for(probe(), self.timeout)
            except Exception:  # noqa: BLE001  (any failure means "not ready", never a 500)
                results[name] = False
        return results
