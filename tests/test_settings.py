"""Settings are read once; a bad or missing one stops the start naming it."""

from __future__ import annotations

import pytest

from service.settings import SettingsError, load_settings

GOOD = {"DATABASE_URL": "postgresql://u@db/app", "REDIS_URL": "redis://cache:6379/0"}


def test_plain_postgresql_url_is_given_the_asyncpg_driver() -> None:
    settings = load_settings(GOOD)
    assert settings.database_url == "postgresql+asyncpg://u@db/app"
    assert settings.port == 8000 and settings.host == "127.0.0.1" and settings.log_format == "console"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"REDIS_URL": "redis://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x/y", "REDIS_URL": "redis://x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://x/y"}, "REDIS_URL"),
        ({**GOOD, "PORT": "eighty"}, "PORT"),
        ({**GOOD, "PORT": "0"}, "PORT"),
        ({**GOOD, "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({**GOOD, "APP_ENV": "staging"}, "APP_ENV"),
        ({**GOOD, "APP_ENV": "production"}, "SECRET_KEY"),
        ({**GOOD, "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({**GOOD, "QUOTES_RATE_LIMIT": "-1"}, "QUOTES_RATE_LIMIT"),
    ],
)
def test_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_production_logs_json_by_default() -> None:
    settings = load_settings({**GOOD, "APP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert settings.log_format == "json" and settings.is_production
