"""Settings read once from the environment at start-up and passed down explicitly.

A bad or missing setting stops the start with a message naming it (``SettingsError``).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cached_property
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

from domain.money import RoundingMode, round_figure
from domain.notifications import QuietWindow
from domain.origination.committee import CommitteeRules
from domain.origination.contract import Lender
from domain.privacy.retention import RetentionPolicy


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str
    redis_url: str
    secret_key: str
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    # Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto headers are
    # believed; none by default, so a client cannot pick the address the rate limits key on.
    forwarded_allow_ips: tuple[str, ...] = ()
    log_format: str = "console"
    log_level: str = "INFO"
    access_token_minutes: int = 15
    borrower_token_minutes: int = 30
    # An officer's web session ends after this many minutes without a page opened (sliding).
    ui_session_minutes: int = 30
    borrower_code_minutes: int = 10
    quotes_rate_limit: int = 120
    sign_in_rate_limit: int = 30
    lender_name: str = "Association de microcrédit"
    # Business dates (the close of business, "today" in the rules) are dates in this time zone.
    lender_timezone: str = "Europe/Paris"
    # Printed on every contract with the name (the law asks for the lender's identity and address);
    # the defaults say plainly on the contract that they were not configured.
    lender_address: str = "adresse du siège non renseignée (LENDER_ADDRESS)"
    lender_registration: str = "immatriculation non renseignée (LENDER_REGISTRATION)"
    max_body_bytes: int = 1_048_576
    # Strict-Transport-Security max-age in seconds; 0 (the default) sends none. Set it only where
    # the service itself ends TLS: behind a proxy that does, the proxy sends the header.
    hsts_max_age: int = 0
    db_pool_size: int = 20
    db_max_overflow: int = 20
    # Behind PgBouncer in transaction mode a server connection changes between transactions:
    # asyncpg's prepared-statement cache must be off (see service/kernel/db/engine.py).
    db_pgbouncer: bool = False
    # Prometheus metrics served on this port (0: none), apart from the API's port so that only the
    # scraper reaches them (deploy/ opens it to the monitoring namespace only).
    metrics_port: int = 0
    # OpenTelemetry traces go to this OTLP/HTTP endpoint when set (none by default).
    otel_exporter_otlp_endpoint: str | None = None
    # Credit committee (issue 4): votes a decision needs, and the share of them (strictly more than this
    # percentage) that must back it; a decision against the votes states its reason.
    committee_quorum: int = 2
    committee_majority_percent: int = 50
    # A payment above the payoff amount plus this margin (in the loan's currency) is refused
    # unless the request confirms it: a slip of the keyboard must not close a loan with a credit.
    overpayment_margin: Decimal = Decimal("100.00")
    # Notices (issue 6): no messages during the quiet window, local time in the time zone.
    notify_quiet_start: str = "21:00"
    notify_quiet_end: str = "08:00"
    notify_timezone: str = "Europe/Paris"
    notify_lanes: int = 4
    # E-mail channel; none when SMTP_HOST is unset (notices then go to the log outside production).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_from: str | None = None
    smtp_from_name: str = ""
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    # SMS channel: an HTTP gateway; none when SMS_GATEWAY_URL is unset.
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = field(default=None, repr=False)
    sms_sender: str | None = None
    # Retention periods (issue 15, domain/privacy/retention.py says from which event each counts).
    retention_refused_file_months: int = 6
    retention_loan_identity_years: int = 5
    retention_loan_records_years: int = 10
    retention_follow_up_years: int = 5
    # How long an Idempotency-Key's reply is kept for replays (the nightly retention run purges it).
    idempotency_retention_hours: int = 72
    # Keys of the personal fields encrypted at rest (Fernet keys, the current one first); by default
    # one derived from SECRET_KEY. Rotation: put a new key first, run rotate-encryption-key, drop the old.
    encryption_keys: tuple[str, ...] = field(default=(), repr=False)
    # Partner webhooks (issue 14): each delivery's HTTP timeout, how long a rotated-out secret
    # still signs, and after how many deliveries failed in a row (each after all its retries) an
    # endpoint is disabled.
    webhook_timeout_seconds: int = 10
    webhook_secret_overlap_hours: int = 24
    webhook_disable_after: int = 5
    webhook_lanes: int = 4  # deliveries each worker sends at once

    @property
    def webhook_require_https(self) -> bool:
        """Endpoints must use https except in development and tests (a local receiver)."""
        return self.environment == "production"

    @property
    def webhook_allow_private(self) -> bool:
        """Private, loopback and link-local endpoint addresses are refused in production (SSRF)."""
        return self.environment != "production"

    @property
    def lender(self) -> Lender:
        """The lender as contracts name it."""
        return Lender(name=self.lender_name, address=self.lender_address, registration=self.lender_registration)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def business_date(self, moment: datetime) -> date:
        """The lender's date at ``moment`` (an aware datetime): 23:30 UTC is already tomorrow in Paris."""
        return moment.astimezone(self.lender_zone).date()

    @cached_property
    def lender_zone(self) -> ZoneInfo:
        """``lender_timezone`` built once (every request and job asks for the business date)."""
        return ZoneInfo(self.lender_timezone)

    @property
    def committee_rules(self) -> CommitteeRules:
        return CommitteeRules(quorum=self.committee_quorum, majority_percent=Decimal(self.committee_majority_percent))

    @property
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            refused_file_months=self.retention_refused_file_months,
            loan_identity_years=self.retention_loan_identity_years,
            loan_records_years=self.retention_loan_records_years,
            follow_up_years=self.retention_follow_up_years,
            idempotency_hours=self.idempotency_retention_hours,
        )

    @property
    def quiet_window(self) -> QuietWindow:
        return QuietWindow.parse(self.notify_quiet_start, self.notify_quiet_end, self.notify_timezone)


_ENVIRONMENTS = {"development", "test", "production"}
_LOG_FORMATS = {"console", "json"}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}
# A development key lets `make run` work out of the box. It is public (anyone can sign an admin
# token with it), so only a development server listening on loopback may fall back to it.
_DEV_SECRET = "development-only-secret-key-change-me-0123456789"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _percent(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value > 99:  # strictly more than 100 % of the votes can never be reached
        raise SettingsError(f"{name} must be between 0 and 99, got {value}")
    return value


def _amount(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name) or default
    try:
        value = Decimal(raw)
        valid = value.is_finite() and 0 <= value < 10**9 and value == round_figure(value, 2, RoundingMode.DOWN)
    except InvalidOperation:
        valid = False
    if not valid:
        raise SettingsError(f"{name} must be an amount from 0 to 999999999.99 with at most 2 decimals, got {raw!r}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: set[str]) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        raise SettingsError(f"{name} is not set (expected a URL with scheme {' or '.join(sorted(schemes))})")
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        raise SettingsError(f"{name} must start with {' or '.join(sorted(schemes))}://, got {scheme or 'no'} scheme")
    return raw


def _choice(env: Mapping[str, str], name: str, default: str, allowed: set[str], *, upper: bool = False) -> str:
    value = env.get(name) or default
    value = value.upper() if upper else value.lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(sorted(allowed))}, got {value!r}")
    return value


def _clock(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or default).strip()
    try:
        value = time.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a time of day like 21:00, got {raw!r}") from None
    if value.tzinfo is not None:
        raise SettingsError(f"{name} is a wall-clock time; set the zone in NOTIFY_TIMEZONE")
    return raw


def _zone(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or default).strip()
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be an IANA time zone like Europe/Paris, got {raw!r}") from None
    return raw


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks (no ``*``: trusting every sender would let
    any client choose its own address)."""
    networks = []
    for item in (env.get(name) or "").split(","):
        if item.strip():
            try:
                networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
            except ValueError:
                raise SettingsError(
                    f"{name} must list IP addresses or networks like 10.0.0.0/8, got {item!r}"
                ) from None
    return tuple(networks)


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return (env.get(name) or "").strip() or None


def _channels(env: Mapping[str, str]) -> dict[str, object]:
    """The notification channels' settings: each one complete, or not configured at all."""
    smtp_host = _optional(env, "SMTP_HOST")
    smtp_from = _optional(env, "SMTP_FROM")
    if smtp_host and not (smtp_from and "@" in smtp_from):
        raise SettingsError("SMTP_FROM must be set to the sender's e-mail address when SMTP_HOST is set")
    sms_url = _optional(env, "SMS_GATEWAY_URL")
    sms_token = _optional(env, "SMS_GATEWAY_TOKEN")
    if sms_url:
        sms_url = _url(env, "SMS_GATEWAY_URL", {"http", "https"})
        if not sms_token:
            raise SettingsError("SMS_GATEWAY_TOKEN must be set when SMS_GATEWAY_URL is set")
    return {
        "smtp_host": smtp_host,
        "smtp_port": _int(env, "SMTP_PORT", 587, minimum=1),
        "smtp_security": _choice(env, "SMTP_SECURITY", "starttls", {"none", "starttls", "tls"}),
        "smtp_from": smtp_from,
        "smtp_from_name": (env.get("SMTP_FROM_NAME") or env.get("LENDER_NAME") or "").strip(),
        "smtp_username": _optional(env, "SMTP_USERNAME"),
        "smtp_password": env.get("SMTP_PASSWORD") or None,
        "sms_gateway_url": sms_url,
        "sms_gateway_token": sms_token,
        "sms_sender": _optional(env, "SMS_SENDER"),
    }


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the asyncpg driver for them."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def _encryption_keys(env: Mapping[str, str], secret: str) -> tuple[str, ...]:
    """ENCRYPTION_KEYS: comma-separated Fernet keys (``Fernet.generate_key()``), the current one first;
    without it, one key derived from SECRET_KEY."""
    raw = [k.strip() for k in (env.get("ENCRYPTION_KEYS") or "").split(",") if k.strip()]
    if not raw:
        digest = hashlib.sha256(b"microcredit personal fields:" + secret.encode()).digest()
        return (base64.urlsafe_b64encode(digest).decode(),)
    for key in raw:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise SettingsError(
                "ENCRYPTION_KEYS must be Fernet keys (32 bytes, URL-safe base64), comma-separated"
            ) from None
    return tuple(raw)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ``SettingsError`` naming the first bad one."""
    env = os.environ if env is None else env
    environment = _choice(env, "APP_ENV", "development", _ENVIRONMENTS)
    host = env.get("HOST") or "127.0.0.1"
    secret = env.get("SECRET_KEY", "")
    if not secret:
        if environment != "development" or not _is_loopback(host):
            raise SettingsError(
                "SECRET_KEY is not set (at least 32 random characters; only APP_ENV=development"
                " on a loopback HOST may use the public development key)"
            )
        secret = _DEV_SECRET
    if len(secret) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters long")
    lender_timezone = _zone(env, "LENDER_TIMEZONE", "Europe/Paris")
    database_url = normalise_database_url(_url(env, "DATABASE_URL", {"postgresql", "postgres", "postgresql+asyncpg"}))
    return Settings(
        database_url=database_url,
        redis_url=_url(env, "REDIS_URL", {"redis", "rediss", "unix"}),
        secret_key=secret,
        environment=environment,
        host=host,
        port=_int(env, "PORT", 8000, minimum=1),
        forwarded_allow_ips=_networks(env, "FORWARDED_ALLOW_IPS"),
        log_format=_choice(env, "LOG_FORMAT", "json" if environment == "production" else "console", _LOG_FORMATS),
        log_level=_choice(env, "LOG_LEVEL", "INFO", _LOG_LEVELS, upper=True),
        access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 15, minimum=1),
        borrower_token_minutes=_int(env, "BORROWER_TOKEN_MINUTES", 30, minimum=1),
        ui_session_minutes=_int(env, "UI_SESSION_MINUTES", 30, minimum=1),
        borrower_code_minutes=_int(env, "BORROWER_CODE_MINUTES", 10, minimum=1),
        quotes_rate_limit=_int(env, "QUOTES_RATE_LIMIT", 120),
        sign_in_rate_limit=_int(env, "SIGN_IN_RATE_LIMIT", 30),
        lender_name=(env.get("LENDER_NAME") or "Association de microcrédit").strip(),
        lender_address=_optional(env, "LENDER_ADDRESS") or Settings.lender_address,
        lender_registration=_optional(env, "LENDER_REGISTRATION") or Settings.lender_registration,
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576, minimum=1024),
        hsts_max_age=_int(env, "HSTS_MAX_AGE", 0),
        db_pool_size=_int(env, "DB_POOL_SIZE", 20, minimum=1),
        db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 20),
        db_pgbouncer=_choice(env, "DB_PGBOUNCER", "false", {"true", "false"}) == "true",
        metrics_port=_int(env, "METRICS_PORT", 0),
        otel_exporter_otlp_endpoint=_optional(env, "OTEL_EXPORTER_OTLP_ENDPOINT"),
        committee_quorum=_int(env, "COMMITTEE_QUORUM", 2, minimum=1),
        committee_majority_percent=_percent(env, "COMMITTEE_MAJORITY_PERCENT", 50),
        overpayment_margin=_amount(env, "OVERPAYMENT_MARGIN", "100.00"),
        notify_quiet_start=_clock(env, "NOTIFY_QUIET_START", "21:00"),
        notify_quiet_end=_clock(env, "NOTIFY_QUIET_END", "08:00"),
        lender_timezone=lender_timezone,
        notify_timezone=_zone(env, "NOTIFY_TIMEZONE", lender_timezone),
        notify_lanes=_int(env, "NOTIFY_LANES", 4, minimum=1),
        retention_refused_file_months=_int(env, "RETENTION_REFUSED_FILE_MONTHS", 6, minimum=1),
        retention_loan_identity_years=_int(env, "RETENTION_LOAN_IDENTITY_YEARS", 5, minimum=1),
        retention_loan_records_years=_int(env, "RETENTION_LOAN_RECORDS_YEARS", 10, minimum=1),
        retention_follow_up_years=_int(env, "RETENTION_FOLLOW_UP_YEARS", 5, minimum=1),
        idempotency_retention_hours=_int(env, "IDEMPOTENCY_RETENTION_HOURS", 72, minimum=24),
        encryption_keys=_encryption_keys(env, secret),
        webhook_timeout_seconds=_int(env, "WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1),
        webhook_secret_overlap_hours=_int(env, "WEBHOOK_SECRET_OVERLAP_HOURS", 24),
        webhook_disable_after=_int(env, "WEBHOOK_DISABLE_AFTER", 5, minimum=1),
        webhook_lanes=_int(env, "WEBHOOK_LANES", 4, minimum=1),
        **_channels(env),  # type: ignore[arg-type]
    )
