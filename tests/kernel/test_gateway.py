"""Raw statements on the session's connection belong to the unit of work's transaction."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import text

from service.kernel.db.gateway import in_transaction, read_only
from service.wiring import SqlUnitOfWorkFactory


async def test_a_raw_write_is_rolled_back_with_the_unit_of_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        connection = await in_transaction(uow.session)
        await connection.execute("CREATE TABLE raw_probe (n int)")
        await connection.execute("INSERT INTO raw_probe VALUES (1)")
        # not committed
    async with uow_factory() as uow:
        exists = await uow.session.scalar(text("SELECT to_regclass('raw_probe') IS NOT NULL"))
    assert exists is False


async def test_a_raw_write_commits_with_the_unit_of_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        connection = await in_transaction(uow.session)
        assert connection.is_in_transaction()
        await connection.execute("CREATE TABLE raw_probe_committed (n int)")
        await connection.execute("INSERT INTO raw_probe_committed VALUES (7)")
        await uow.commit()
    try:
        async with uow_factory() as uow:  # another session: it sees only what was committed
            assert await uow.session.scalar(text("SELECT n FROM raw_probe_committed")) == 7
    finally:
        async with uow_factory() as uow:
            await uow.session.execute(text("DROP TABLE raw_probe_committed"))
            await uow.commit()


async def test_a_raw_read_is_read_only_and_leaves_no_transaction_open(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        async with read_only(uow.session) as connection:
            assert await connection.fetchval("SHOW transaction_read_only") == "on"
        assert not connection.is_in_transaction()
        async with read_only(uow.session) as connection:
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await connection.execute("CREATE TABLE raw_probe_read_only (n int)")
