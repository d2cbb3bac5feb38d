"""Raw statements on the session's connection belong to the unit of work's transaction."""

from __future__ import annotations

from sqlalchemy import text

from service.kernel.db.driver import driver
from service.wiring import SqlUnitOfWorkFactory


async def test_a_raw_write_is_rolled_back_with_the_unit_of_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        connection = await driver(uow.session)
        await connection.execute("CREATE TABLE raw_probe (n int)")
        await connection.execute("INSERT INTO raw_probe VALUES (1)")
        # not committed
    async with uow_factory() as uow:
        exists = await uow.session.scalar(text("SELECT to_regclass('raw_probe') IS NOT NULL"))
    assert exists is False


async def test_a_raw_write_commits_with_the_unit_of_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        connection = await driver(uow.session)
        await connection.execute("CREATE TEMP TABLE IF NOT EXISTS raw_probe_two (n int)")
        assert await connection.fetchval("SELECT txid_current_if_assigned() IS NOT NULL")
        await uow.commit()
