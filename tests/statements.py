"""Statements counted on the connections themselves, for tests of what a request costs the database
(round trips, repeated reads): counted, never timed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

import service.app
from service.kernel.db.engine import create_engine
from service.settings import Settings


def counted_engine(sent: list[str]) -> Any:
    """``create_engine`` whose connections append every statement they send to ``sent``: straight
    to asyncpg (BEGIN and COMMIT included) and through SQLAlchemy. asyncpg calls its query loggers
    soon after each query, not during it: ``await asyncio.sleep(0)`` before reading ``sent``."""

    def create(settings: Settings) -> AsyncEngine:
        engine = create_engine(settings)

        def on_connect(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.driver_connection.add_query_logger(lambda record: sent.append(record.query))

        event.listen(engine.sync_engine, "connect", on_connect)
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        return engine

    return create


def count_the_apps_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements of every app started from now on (its lifespan creates the engine)."""
    sent: list[str] = []
    monkeypatch.setattr(service.app, "create_engine", counted_engine(sent))
    return sent
