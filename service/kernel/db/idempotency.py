"""Idempotency keys in PostgreSQL: an advisory lock for requests in flight, a row for finished ones.

Raw statements on the session's connection (see ``service.kernel.db.gateway``): every money-moving POST pays for these.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, RuleViolation
from domain.ids import new_id
from service.kernel.db.gateway import in_transaction


class SqlIdempotency:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def begin(self, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """Hold ``key`` for this transaction. The stored result when it already succeeded with the
        same body; a 409 while another request holds it; a 422 when it was used with another body."""
        connection = await in_transaction(self.session)
        if not await connection.fetchval(
            "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", f"{scope}\x1f{key}"
        ):
            raise Conflict("a request with this Idempotency-Key is still being processed", code="idempotency.in_flight")
        row = await connection.fetchrow(
            "SELECT request_hash, result FROM idempotency_keys WHERE scope = $1 AND key = $2", scope, key
        )
        if row is None:
            return None
        if row["request_hash"] != request_hash:
            raise RuleViolation(
                "this Idempotency-Key was used with another request body",
                code="idempotency.key_reused",
                field="Idempotency-Key",
            )
        return dict(row["result"])

    async def record(
        self, scope: str, key: str, request_hash: str, result: dict[str, Any], *, subject: uuid.UUID | None
    ) -> None:
        connection = await in_transaction(self.session)
        await connection.execute(
            "INSERT INTO idempotency_keys (id, scope, key, request_hash, result, subject_id)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            new_id(),
            scope,
            key,
            request_hash,
            msgspec.json.encode(result).decode(),
            subject,
        )
