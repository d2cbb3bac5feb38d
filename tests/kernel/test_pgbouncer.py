"""Behind PgBouncer in transaction mode (``DB_PGBOUNCER=true``): consecutive transactions of one
client run on different server connections, which asyncpg's prepared-statement cache does not
survive. Tested with Debian's ``pgbouncer`` (1.18, no prepared-statement support of its own) in
front of the test PostgreSQL, with fewer server connections than clients; skipped without it."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from service.kernel.db.engine import create_engine, create_sessionmaker
from service.kernel.db.gateway import in_transaction
from tests.conftest import make_settings
from tests.servers import RunningServers
from tools.embedded import free_port

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
# PgBouncer refuses to run as root: as root it runs as the user the embedded PostgreSQL runs as.
RUN_AS = ["runuser", "-u", "microcredit-pg", "--"] if os.geteuid() == 0 else []


@pytest.fixture
def bouncer(servers: RunningServers) -> Iterator[str]:
    """A PgBouncer in transaction mode with two server connections; yields the database URL through it."""
    if PGBOUNCER is None:
        pytest.skip("Debian's pgbouncer is not installed (apt-get install pgbouncer)")
    target = urlsplit(servers.database_url)
    if target.hostname not in {"127.0.0.1", "localhost"}:
        pytest.skip("the test PostgreSQL is not on a local TCP port")
    # Not under pytest's folder, which only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    port = free_port()
    (folder / "users.txt").write_text(f'"{target.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={target.hostname} port={target.port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = {folder}/pgbouncer.log
"""
    )
    if RUN_AS:
        shutil.chown(folder, "microcredit-pg")
    process = subprocess.Popen([*RUN_AS, PGBOUNCER, str(folder / "pgbouncer.ini")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (folder / "pgbouncer.log").exists() or "process up" not in (folder / "pgbouncer.log").read_text():
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("pgbouncer did not start")
            time.sleep(0.05)
        yield servers.database_url.replace(f":{target.port}/", f":{port}/", 1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


async def workload(database_url: str, servers: RunningServers, *, pgbouncer: bool) -> None:
    """Eight clients, each many short transactions mixing SQLAlchemy statements and the raw
    asyncpg statements of the servicing hot paths (service/kernel/db/gateway.py)."""
    settings = make_settings(servers, DATABASE_URL=database_url, DB_PGBOUNCER=str(pgbouncer).lower())
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)

    async def client(number: int) -> None:
        for round_ in range(15):
            async with sessions() as session, session.begin():
                await session.execute(text("SELECT count(*) FROM loans WHERE status = :s"), {"s": "active"})
                raw = await in_transaction(session)
                assert await raw.fetchval("SELECT $1::int + $2::int", number, round_) == number + round_

    try:
        await asyncio.gather(*(client(n) for n in range(8)))
    finally:
        await engine.dispose()


async def test_the_driver_works_behind_pgbouncer_in_transaction_mode(bouncer: str, servers: RunningServers) -> None:
    await workload(bouncer, servers, pgbouncer=True)


async def test_without_the_setting_prepared_statements_break_behind_pgbouncer(
    bouncer: str, servers: RunningServers
) -> None:
    # What DB_PGBOUNCER=true is for: asyncpg prepares a statement once per client connection and
    # then sends only its name; PgBouncer in transaction mode gives each transaction an idle server
    # connection, the most recently used first (LIFO). Made certain rather than left to chance: A
    # prepares on server connection X; B then takes X (the last used) and keeps it in a transaction;
    # A's next run of the statement must go to another server connection, which never saw it.
    engine = create_engine(make_settings(servers, DATABASE_URL=bouncer, DB_PGBOUNCER="false"))
    try:
        async with engine.connect() as first, engine.connect() as second:
            a = (await first.get_raw_connection()).driver_connection
            b = (await second.get_raw_connection()).driver_connection
            assert a is not None and b is not None
            assert await a.fetchval("SELECT $1::int + 1", 1) == 2
            async with b.transaction():
                assert await b.fetchval("SELECT 1") == 1
                with pytest.raises(Exception, match="prepared statement") as broken:
                    await a.fetchval("SELECT $1::int + 1", 2)
            assert "does not exist" in str(broken.value)
    finally:
        await engine.dispose()
