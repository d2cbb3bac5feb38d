"""Idempotency keys in PostgreSQL: an advisory lock for requests in flight, a row for finished ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, RuleViolation
from domain.ids import new_id
from service.persistence.origination_tables import IdempotencyKeyRow


class SqlIdempotency:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def begin(self, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """Hold ``key`` for this transaction. The stored result when it already succeeded with the
        same body; a 409 while another request holds it; a 422 when it was used with another body."""
        lock_id = func.hashtextextended(f"{scope}\x1f{key}", 0)
        if not await self.session.scalar(select(func.pg_try_advisory_xact_lock(lock_id))):
            raise Conflict("a request with this Idempotency-Key is still being processed", code="idempotency.in_flight")
        row = await self.session.scalar(
            select(IdempotencyKeyRow).where(IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key)
        )
        if row is None:
            return None
        if row.request_hash != request_hash:
            raise RuleViolation(
                "this Idempotency-Key was used with another request body",
                code="idempotency.key_reused",
                field="Idempotency-Key",
            )
        return dict(row.result)

    async def record(self, scope: str, key: str, request_hash: str, result: dict[str, Any]) -> None:
        self.session.add(IdempotencyKeyRow(id=new_id(), scope=scope, key=key, request_hash=request_hash, result=result))
