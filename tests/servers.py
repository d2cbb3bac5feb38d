"""The real PostgreSQL and Redis the tests run against: external when DATABASE_URL / REDIS_URL are
set, else embedded servers started for this test session in throw-away folders."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
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


@contextmanager
def live_app(servers: RunningServers, **env: str) -> Iterator[str]:
    """The app under uvicorn in a child process on the test database, for clients that need a real
    server (schemathesis, the browser): yields its base URL, stops it afterwards."""
    import socket
    import subprocess
    import sys
    import time

    from tests.conftest import TEST_SECRET_KEY
    from tools.embedded import free_port

    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        **env,
    }
    command = [sys.executable, "-m", "uvicorn", "service.app:app_from_environment", "--factory"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--log-level", "warning"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


async def add_staff_user(database_url: str, username: str, password: str, roles: frozenset[Any]) -> None:
    """A staff user written straight through the use case (the first admin of a live server)."""
    from datetime import UTC, datetime

    from service.identity.handlers import CreateStaffUser, create_staff_user
    from service.identity.security import Argon2PasswordHasher
    from service.kernel.db.engine import create_engine, create_sessionmaker
    from service.settings import load_settings
    from service.wiring import SqlUnitOfWorkFactory

    engine = create_engine(load_settings({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}))
    try:
        await create_staff_user(
            CreateStaffUser(username=username, full_name=username.title(), password=password, roles=roles),
            uow=SqlUnitOfWorkFactory(create_sessionmaker(engine))(),
            hasher=Argon2PasswordHasher(fast=True),
            now=datetime.now(UTC),
        )
    finally:
        await engine.dispose()
