"""The real PostgreSQL and Redis the tests run against: external when DATABASE_URL / REDIS_URL are
set, else embedded servers started for this test session in throw-away folders."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tools.embedded import EmbeddedPostgres, EmbeddedRedis, free_port, reset_folder

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RunningServers:
    database_url: str  # a fresh database made for this session, migrated to head
    redis_url: str


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _recreate_database(server_url: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(f'drop database if exists "{name}" with (force)')
        await connection.execute(f'create database "{name}"')
    finally:
        await connection.close()


@contextmanager
def running_servers() -> Iterator[RunningServers]:
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    try:
        database_server = os.environ.get("DATABASE_URL")
        if not database_server:
            folder = ROOT / ".local" / f"test-pg-{worker}"
            reset_folder(folder)
            postgres = EmbeddedPostgres(folder, free_port())
            postgres.start()
            started.append(postgres)
            database_server = postgres.url
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            folder = ROOT / ".local" / f"test-redis-{worker}"
            reset_folder(folder)
            redis = EmbeddedRedis(folder, free_port())
            redis.start()
            started.append(redis)
            redis_url = redis.url
        base_name = urlsplit(database_server).path.lstrip("/") or "postgres"
        test_database = f"{base_name}_test_{worker}".replace("-", "_")
        asyncio.run(_recreate_database(_with_database(database_server, "postgres"), test_database))
        database_url = _with_database(database_server, test_database)
        from service.cli import migrate

        migrate(database_url)
        yield RunningServers(database_url=database_url, redis_url=redis_url)
    finally:
        for server in reversed(started):
            server.stop()
