"""Settings are read once; a bad or missing one stops the start naming it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from service.settings import SettingsError, load_settings

GOOD = {"DATABASE_URL": "postgresql://u@db/app", "REDIS_URL": "redis://cache:6379/0"}


def test_plain_postgresql_url_is_given_the_asyncpg_driver() -> None:
    settings = load_settings(GOOD)
    assert settings.database_url == "postgresql+asyncpg://u@db/app"
    assert settings.port == 8000 and settings.host == "127.0.0.1" and settings.log_format == "console"
    assert load_settings({**GOOD, "OVERPAYMENT_MARGIN": "25.50"}).overpayment_margin == Decimal("25.50")
    assert settings.retention_policy.idempotency_hours == 72
    assert load_settings({**GOOD, "IDEMPOTENCY_RETENTION_HOURS": "48"}).retention_policy.idempotency_hours == 48


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
        # The development key is public: only a development server on loopback may sign with it.
        ({**GOOD, "APP_ENV": "test"}, "SECRET_KEY"),
        ({**GOOD, "HOST": "0.0.0.0"}, "SECRET_KEY"),  # noqa: S104 - the case under test
        ({**GOOD, "HOST": "10.1.2.3"}, "SECRET_KEY"),
        ({**GOOD, "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({**GOOD, "QUOTES_RATE_LIMIT": "-1"}, "QUOTES_RATE_LIMIT"),
        ({**GOOD, "COMMITTEE_QUORUM": "0"}, "COMMITTEE_QUORUM"),
        ({**GOOD, "COMMITTEE_MAJORITY_PERCENT": "100"}, "COMMITTEE_MAJORITY_PERCENT"),
        ({**GOOD, "OVERPAYMENT_MARGIN": "-1"}, "OVERPAYMENT_MARGIN"),
        ({**GOOD, "OVERPAYMENT_MARGIN": "ten"}, "OVERPAYMENT_MARGIN"),
        ({**GOOD, "OVERPAYMENT_MARGIN": "1.001"}, "OVERPAYMENT_MARGIN"),
        ({**GOOD, "OVERPAYMENT_MARGIN": "NaN"}, "OVERPAYMENT_MARGIN"),
        ({**GOOD, "OVERPAYMENT_MARGIN": "1e400"}, "OVERPAYMENT_MARGIN"),
        ({**GOOD, "FORWARDED_ALLOW_IPS": "*"}, "FORWARDED_ALLOW_IPS"),
        # Shorter than a day, a retry could miss its reply between two nightly purges.
        ({**GOOD, "IDEMPOTENCY_RETENTION_HOURS": "12"}, "IDEMPOTENCY_RETENTION_HOURS"),
        ({**GOOD, "FORWARDED_ALLOW_IPS": "proxy.local"}, "FORWARDED_ALLOW_IPS"),
    ],
)
def test_bad_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_the_development_key_is_used_only_on_loopback_in_development() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        assert load_settings({**GOOD, "HOST": host}).secret_key == load_settings(GOOD).secret_key
    assert load_settings({**GOOD, "APP_ENV": "test", "SECRET_KEY": "t" * 32}).secret_key == "t" * 32


def test_production_logs_json_by_default() -> None:
    settings = load_settings({**GOOD, "APP_ENV": "production", "SECRET_KEY": "x" * 40})
    assert settings.log_format == "json" and settings.is_production


def test_notice_settings_default_to_a_night_quiet_window_in_paris_and_no_channel() -> None:
    settings = load_settings(GOOD)
    window = settings.quiet_window
    assert (str(window.start), str(window.end), window.zone.key) == ("21:00:00", "08:00:00", "Europe/Paris")
    assert settings.smtp_host is None and settings.sms_gateway_url is None and settings.notify_lanes == 4


def test_channels_are_read_when_configured() -> None:
    settings = load_settings(
        {
            **GOOD,
            "SMTP_HOST": "mail.example",
            "SMTP_PORT": "465",
            "SMTP_SECURITY": "tls",
            "SMTP_FROM": "rappels@example.org",
            "SMS_GATEWAY_URL": "https://sms.example/v1/messages",
            "SMS_GATEWAY_TOKEN": "secret-token",
            "NOTIFY_QUIET_START": "22:30",
            "NOTIFY_TIMEZONE": "America/Cayenne",
        }
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == ("mail.example", 465, "tls")
    assert settings.sms_gateway_token == "secret-token" and "secret-token" not in repr(settings)
    assert settings.quiet_window.zone.key == "America/Cayenne" and settings.notify_quiet_start == "22:30"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**GOOD, "NOTIFY_QUIET_START": "9pm"}, "NOTIFY_QUIET_START"),
        ({**GOOD, "NOTIFY_QUIET_END": "25:00"}, "NOTIFY_QUIET_END"),
        ({**GOOD, "NOTIFY_TIMEZONE": "Mars/Olympus"}, "NOTIFY_TIMEZONE"),
        ({**GOOD, "SMTP_HOST": "mail.example"}, "SMTP_FROM"),
        ({**GOOD, "SMTP_HOST": "mail.example", "SMTP_FROM": "x", "SMTP_SECURITY": "ssl"}, "SMTP_FROM"),
        ({**GOOD, "SMTP_HOST": "m", "SMTP_FROM": "a@b.c", "SMTP_SECURITY": "ssl"}, "SMTP_SECURITY"),
        ({**GOOD, "SMS_GATEWAY_URL": "ftp://sms.example"}, "SMS_GATEWAY_URL"),
        ({**GOOD, "SMS_GATEWAY_URL": "https://sms.example"}, "SMS_GATEWAY_TOKEN"),
        ({**GOOD, "NOTIFY_LANES": "0"}, "NOTIFY_LANES"),
    ],
)
def test_bad_notice_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env)


def test_the_committee_needs_two_votes_and_a_simple_majority_unless_configured() -> None:
    from decimal import Decimal

    from domain.origination.committee import CommitteeRules

    assert load_settings(GOOD).committee_rules == CommitteeRules(quorum=2, majority_percent=Decimal(50))
    configured = load_settings({**GOOD, "COMMITTEE_QUORUM": "3", "COMMITTEE_MAJORITY_PERCENT": "66"})
    assert configured.committee_rules == CommitteeRules(quorum=3, majority_percent=Decimal(66))


def test_business_dates_are_the_lenders_dates() -> None:
    paris = load_settings(GOOD)
    assert paris.lender_timezone == "Europe/Paris" and paris.notify_timezone == "Europe/Paris"
    late_evening_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert paris.business_date(late_evening_utc) == date(2026, 11, 30)
    reunion = load_settings({**GOOD, "LENDER_TIMEZONE": "Indian/Reunion"})
    assert reunion.notify_timezone == "Indian/Reunion"
    assert reunion.business_date(datetime(2026, 11, 29, 19, 59, tzinfo=UTC)) == date(2026, 11, 29)
    assert reunion.business_date(datetime(2026, 11, 29, 20, 0, tzinfo=UTC)) == date(2026, 11, 30)


def test_an_unknown_lender_time_zone_is_named() -> None:
    with pytest.raises(SettingsError, match="LENDER_TIMEZONE"):
        load_settings({**GOOD, "LENDER_TIMEZONE": "Mars/Olympus"})


def test_the_lenders_time_zone_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import service.settings as module

    settings = load_settings(GOOD)
    built: list[str] = []
    real = module.ZoneInfo

    def counting(key: str) -> Any:
        built.append(key)
        return real(key)

    monkeypatch.setattr(module, "ZoneInfo", counting)
    for hour in range(3):
        settings.business_date(datetime(2026, 11, 29, 20 + hour, tzinfo=UTC))
    assert len(built) <= 1
