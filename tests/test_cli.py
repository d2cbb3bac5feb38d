"""The operations commands work against the real database."""

from __future__ import annotations

import os
import subprocess
import sys

from service.cli import ROOT
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings
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
