"""Settings read once from the environment at start-up and passed down explicitly.

A bad or missing setting stops the start with a message naming it (``SettingsError``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


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
    log_format: str = "console"
    log_level: str = "INFO"
    access_token_minutes: int = 15
    borrower_token_minutes: int = 30
    borrower_code_minutes: int = 10
    quotes_rate_limit: int = 120
    sign_in_rate_limit: int = 30
    lender_name: str = "Association de microcrédit"
    max_body_bytes: int = 1_048_576
    db_pool_size: int = 20
    db_max_overflow: int = 20

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


_ENVIRONMENTS = {"development", "test", "production"}
_LOG_FORMATS = {"console", "json"}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}
# A development key lets `make run` work out of the box; production must set its own.
_DEV_SECRET = "development-only-secret-key-change-me-0123456789"


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


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the asyncpg driver for them."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise ``SettingsError`` naming the first bad one."""
    env = os.environ if env is None else env
    environment = _choice(env, "APP_ENV", "development", _ENVIRONMENTS)
    secret = env.get("SECRET_KEY", "")
    if not secret:
        if environment == "production":
            raise SettingsError("SECRET_KEY is not set (required in production, at least 32 characters)")
        secret = _DEV_SECRET
    if len(secret) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters long")
    database_url = normalise_database_url(_url(env, "DATABASE_URL", {"postgresql", "postgres", "postgresql+asyncpg"}))
    return Settings(
        database_url=database_url,
        redis_url=_url(env, "REDIS_URL", {"redis", "rediss", "unix"}),
        secret_key=secret,
        environment=environment,
        host=env.get("HOST") or "127.0.0.1",
        port=_int(env, "PORT", 8000, minimum=1),
        log_format=_choice(env, "LOG_FORMAT", "json" if environment == "production" else "console", _LOG_FORMATS),
        log_level=_choice(env, "LOG_LEVEL", "INFO", _LOG_LEVELS, upper=True),
        access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 15, minimum=1),
        borrower_token_minutes=_int(env, "BORROWER_TOKEN_MINUTES", 30, minimum=1),
        borrower_code_minutes=_int(env, "BORROWER_CODE_MINUTES", 10, minimum=1),
        quotes_rate_limit=_int(env, "QUOTES_RATE_LIMIT", 120),
        sign_in_rate_limit=_int(env, "SIGN_IN_RATE_LIMIT", 30),
        lender_name=(env.get("LENDER_NAME") or "Association de microcrédit").strip(),
        max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576, minimum=1024),
        db_pool_size=_int(env, "DB_POOL_SIZE", 20, minimum=1),
        db_max_overflow=_int(env, "DB_MAX_OVERFLOW", 20),
    )
