"""The database itself refuses an unbalanced ledger transaction and any change to posted rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from service.settings import Settings
from tests.conftest import truncate_all


@pytest.fixture
async def connection(settings: Settings) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(settings.database_url)
    async with engine.connect() as conn:
        yield conn
    await engine.dispose()
    await truncate_all(settings.database_url, settings.redis_url)


async def post(conn: AsyncConnection, *amounts: str) -> uuid.UUID:
    transaction_id = uuid.uuid4()
    await conn.execute(
        text("insert into ledger_transactions (id, kind, value_date) values (:id, 'test', :d)"),
        {"id": transaction_id, "d": date(2026, 1, 1)},
    )
    for amount in amounts:
        await conn.execute(
            text(
                "insert into ledger_entries (id, transaction_id, account, amount, currency) "
                "values (:id, :t, 'bank', :a, 'EUR')"
            ),
            {"id": uuid.uuid4(), "t": transaction_id, "a": Decimal(amount)},
        )
    return transaction_id


async def test_a_balanced_transaction_commits(connection: AsyncConnection) -> None:
    async with connection.begin():
        await post(connection, "10.00", "-10.00")
    total = await connection.scalar(text("select sum(amount) from ledger_entries"))
    assert total == 0


@pytest.mark.parametrize("amounts", [("10.00", "-9.99"), ("10.00",)])
async def test_an_unbalanced_transaction_is_refused_at_commit(
    connection: AsyncConnection, amounts: tuple[str, ...]
) -> None:
    with pytest.raises(DBAPIError, match="does not balance"):
        async with connection.begin():
            await post(connection, *amounts)
    assert await connection.scalar(text("select count(*) from ledger_entries")) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "update ledger_entries set amount = amount * 2",
        "delete from ledger_entries",
        "update ledger_transactions set kind = 'other'",
        "delete from ledger_transactions",
    ],
)
async def test_posted_rows_cannot_change(connection: AsyncConnection, statement: str) -> None:
    async with connection.begin():
        await post(connection, "10.00", "-10.00")
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin():
            await connection.execute(text(statement))
