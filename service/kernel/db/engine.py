"""Engine and session factory, created from settings by the composition root (never at import)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from service.kernel.db.encryption import use_encryption_keys
from service.settings import Settings


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
        connect_args={"server_settings": {"application_name": "microcredit", "timezone": "UTC"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
