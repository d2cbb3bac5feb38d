"""Optimistic locking in plain statements: a row's ``version`` column turns a lost update into a 409.

A writer names the version it read (``UPDATE ... WHERE version = :expected``) and moves it on by one;
no row updated means someone else wrote first, and the client reloads and retries."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict


def stale() -> Conflict:
    return Conflict("the record was changed by someone else; reload and retry", code="conflict.stale")


async def update_versioned(
    session: AsyncSession,
    table: Table,
    row_id: uuid.UUID,
    expected: int,
    values: Mapping[str, Any],
    *,
    also: Mapping[str, ColumnElement[Any]] | None = None,
) -> int:
    """Write ``values`` to the row ``row_id`` of ``table`` read at version ``expected``, and give its
    version now. A write that changes no value keeps the version (a client holding it may still send
    it), as the ORM's version counter did; ``also`` (SQL expressions) is written with a change only."""
    current = (
        (
            await session.execute(
                select(table.c.version, *(table.c[name] for name in values)).where(table.c.id == row_id)
            )
        )
        .mappings()
        .one()
    )
    if current["version"] != expected:
        raise stale()
    # Compared as the column's type compares (decrypted text, decoded JSON, Decimals by value).
    if all(table.c[name].type.compare_values(current[name], value) for name, value in values.items()):
        return expected
    version = await session.scalar(
        update(table)
        .where(table.c.id == row_id, table.c.version == expected)
        .values(**values, **(also or {}), version=table.c.version + 1)
        .returning(table.c.version)
    )
    if version is None:  # written by someone else between our read and our write
        raise stale()
    return int(version)
