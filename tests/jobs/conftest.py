"""Fixtures of the job tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from service.kernel.db.engine import create_engine
from service.settings import Settings
from tests.conftest import truncate_all


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database; everything is emptied afterwards."""
    engine = create_engine(settings)
    yield engine
    await engine.dispose()
    await truncate_all(settings.database_url, settings.redis_url)
