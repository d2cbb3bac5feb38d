"""The backup and restore of deploy/OPERATIONS.md ("Backup and restore"), run on the embedded
PostgreSQL: ``pg_dump --format=custom`` of a database with loans, ``pg_restore`` into an empty
database, and the copy holds the same rows, the same migration revision and the same guards (the
ledger's append-only triggers)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from service.metadata import metadata
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.servers import RunningServers, _recreate_database, _with_database
from tests.servicing.test_close_of_business import make_book


def client_tool(name: str) -> str:
    """The embedded server's own ``pg_dump``/``pg_restore`` (same major version), else the PATH's."""
    try:
        import pgserver

        bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


async def table_counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        counts = {t.name: await connection.fetchval(f'SELECT count(*) FROM "{t.name}"') for t in metadata.sorted_tables}
        counts["alembic_version"] = await connection.fetchval("SELECT version_num FROM alembic_version")
        counts["ledger_sum"] = await connection.fetchval("SELECT coalesce(sum(amount), 0)::text FROM ledger_entries")
        return counts
    finally:
        await connection.close()


async def test_a_dump_restored_into_an_empty_database_is_the_same_database(
    servers: RunningServers, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, officer: Caller, tmp_path: Path
) -> None:
    await make_book(uow_factory, officer, 3)
    source = servers.database_url.replace("postgresql+asyncpg://", "postgresql://")
    restored = _with_database(source, "microcredit_restore_test")
    dump = tmp_path / "microcredit.dump"
    await asyncio.to_thread(
        subprocess.run,
        [client_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={dump}", source],
        check=True,
    )
    await _recreate_database(_with_database(source, "postgres"), "microcredit_restore_test")
    try:
        await asyncio.to_thread(
            subprocess.run,
            [client_tool("pg_restore"), "--no-owner", "--exit-on-error", "--jobs=2", f"--dbname={restored}", str(dump)],
            check=True,
        )
        original = await table_counts(source)
        assert original["loans"] == 3 and original["ledger_entries"] > 0
        assert await table_counts(restored) == original
        connection = await asyncpg.connect(restored)
        try:
            with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
                await connection.execute("UPDATE ledger_entries SET amount = amount + 1")
        finally:
            await connection.close()
    finally:
        connection = await asyncpg.connect(_with_database(source, "postgres"))
        await connection.execute('DROP DATABASE IF EXISTS "microcredit_restore_test" WITH (FORCE)')
        await connection.close()
