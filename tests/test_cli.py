"""The operations commands work against the real database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from service.cli import ROOT
from service.kernel.db.engine import create_engine
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import truncate_all


def run_cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, **env}
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_admin_then_refuses_a_twin(settings: Settings, uow_factory: SqlUnitOfWorkFactory) -> None:
    try:
        first = run_cli(settings, "create-admin", "root-admin", ADMIN_PASSWORD="a-very-long-admin-password")
        assert first.returncode == 0, first.stderr
        async with uow_factory() as uow:
            user = await uow.staff_users.by_username("root-admin")
        assert user is not None and {r.value for r in user.roles} == {"admin"}
        assert "a-very-long-admin-password" not in user.password_hash
        twin = run_cli(settings, "create-admin", "root-admin", ADMIN_PASSWORD="a-very-long-admin-password")
        assert twin.returncode == 1 and "taken" in twin.stderr
    finally:
        await truncate_all(settings.database_url, settings.redis_url)


def test_a_bad_setting_stops_the_command_naming_it(settings: Settings) -> None:
    result = run_cli(settings, "migrate", DATABASE_URL="mysql://nope")
    assert result.returncode == 2 and "DATABASE_URL" in result.stderr


def _lender_today() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


async def test_close_of_business_refuses_a_day_that_is_not_over(settings: Settings) -> None:
    today = _lender_today()
    for day in (today, today + timedelta(days=1), date(2027, 12, 31)):
        refused = run_cli(settings, "close-of-business", "--date", day.isoformat())
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "only a day that is over can be closed" in refused.stderr
    async with create_engine(settings).connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM close_of_business_runs")) == 0


async def test_close_of_business_closes_yesterday_by_default(settings: Settings) -> None:
    try:
        done = run_cli(settings, "close-of-business")
        assert done.returncode == 0, done.stderr
        yesterday = _lender_today() - timedelta(days=1)
        assert f"close of business {yesterday.isoformat()}: 0 loans aged" in done.stdout
    finally:
        await truncate_all(settings.database_url, settings.redis_url)
