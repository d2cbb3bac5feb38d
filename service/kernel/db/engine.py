"""Engine and session factory, created from settings by the composition root (never at import)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from service.kernel.db.encryption import use_encryption_keys
from service.settings import Settings


def connect_args(settings: Settings) -> dict[str, Any]:
    """asyncpg's connection options. Behind PgBouncer in transaction mode (``DB_PGBOUNCER=true``)
    consecutive transactions may run on different server connections, so a statement prepared
    on one is unknown on the next: asyncpg's statement cache is off and every prepared statement
    gets a name of its own (asyncpg's ``__asyncpg_stmt_N__`` counters would collide between
    clients sharing a server connection). ``application_name`` and ``TimeZone`` are startup
    parameters PgBouncer tracks per client."""
    options: dict[str, Any] = {"server_settings": {"application_name": "microcredit", "timezone": "UTC"}}
    if settings.db_pgbouncer:
        options["statement_cache_size"] = 0  # asyncpg's cache (the servicing hot paths' raw statements)
        options["prepared_statement_cache_size"] = 0  # SQLAlchemy's cache of asyncpg statements
        options["prepared_statement_name_func"] = lambda: f"__asyncpg_{uuid.uuid4().hex}__"
    return options


def create_engine(settings: Settings) -> AsyncEngine:
    # The encrypted columns' keys, for this process (see service/kernel/db/encryption.py).
    use_encryption_keys(settings.encryption_keys)
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        # No ping before each checkout (it costs three round trips a request): a connection found
        # dead is invalidated and the request answered 503, which clients retry (see unit_of_work).
        pool_pre_ping=False,
        # SQL parameters (names, e-mail addresses...) must never reach an error message or a log line.
        hide_parameters=True,
        connect_args=connect_args(settings),
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
