"""Command line: ``python -m service <command>``. A composition root, like ``create_app``.

Commands: ``migrate`` (apply migrations), ``create-admin`` (the first admin; the password is read
from ADMIN_PASSWORD or asked for), ``openapi`` (write the contract), ``close-of-business
[--date YYYY-MM-DD]`` (age the loans to a day that is over; by default every day not closed yet up
to yesterday in the lender's time zone), ``serve`` (the API), ``retention`` (erase or anonymise
the personal data past its retention period, what the nightly job does), ``rotate-encryption-key``
(re-encrypt the personal fields with the first key of ENCRYPTION_KEYS). The developer's commands (``dev``,
``seed-demo``, the close of business on the embedded servers) are ``python -m tools``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import secrets
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.errors import DomainError
from domain.identity.model import Role
from service.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def migrate(database_url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


async def _create_admin(settings: Settings, username: str, full_name: str, password: str) -> None:
    from service.identity.handlers import CreateStaffUser, create_staff_user
    from service.identity.security import Argon2PasswordHasher
    from service.kernel.db.engine import create_engine, create_sessionmaker
    from service.wiring import SqlUnitOfWorkFactory

    engine = create_engine(settings)
    try:
        user = await create_staff_user(
            CreateStaffUser(username=username, full_name=full_name, password=password, roles=frozenset({Role.ADMIN})),
            uow=SqlUnitOfWorkFactory(create_sessionmaker(engine))(),
            hasher=Argon2PasswordHasher(),
            now=datetime.now(UTC),
        )
    finally:
        await engine.dispose()
    print(f"admin {user.username!r} created (id {user.id})")


async def close_of_business(settings: Settings, business_date: date | None) -> None:
    from functools import partial

    from service.kernel.db.engine import create_engine, create_sessionmaker
    from service.servicing.handlers.close_of_business import close_business_day, close_days_not_closed
    from service.servicing.handlers.payments import refresh_loan_state
    from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
    from service.wiring import SqlUnitOfWorkFactory

    today = settings.business_date(datetime.now(UTC))
    engine = create_engine(settings)
    try:
        book = SqlCloseOfBusiness(engine)
        refresh = partial(refresh_loan_state, uow_factory=SqlUnitOfWorkFactory(create_sessionmaker(engine)))
        if business_date is None:
            reports = await close_days_not_closed(today=today, book=book, refresh=refresh)
        else:
            reports = [await close_business_day(business_date, today=today, book=book, refresh=refresh)]
    finally:
        await engine.dispose()
    if not reports:
        print(f"close of business: every day up to {today - timedelta(days=1)} is closed already")
    for report in reports:
        done = "already done" if report.already_done else f"{report.loans_aged} loans aged"
        print(f"close of business {report.business_date.isoformat()}: {done}, {report.loans_refreshed} replayed")


async def retention(settings: Settings) -> None:
    from service.kernel.db.engine import create_engine
    from service.privacy.handlers import run_retention
    from service.privacy.repositories import SqlPersonRecords

    now = datetime.now(UTC)
    engine = create_engine(settings)
    try:
        report = await run_retention(
            records=SqlPersonRecords(engine),
            policy=settings.retention_policy,
            today=settings.business_date(now),
            now=now,
        )
    finally:
        await engine.dispose()
    done = ", ".join(f"{name} {count}" for name, count in report.counts.items())
    print(f"retention {report.as_of.isoformat()} (run {report.run_id}): {done}")


async def rotate_encryption_key(settings: Settings) -> None:
    from service.kernel.db.encryption import EncryptedText, reencrypt_column
    from service.kernel.db.engine import create_engine
    from service.metadata import metadata

    engine = create_engine(settings)
    try:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, EncryptedText):
                    (key,) = table.primary_key.columns
                    done = await reencrypt_column(engine, table.name, column.name, key=key.name)
                    print(f"{table.name}.{column.name}: {done} values re-encrypted with the current key")
    finally:
        await engine.dispose()


def write_openapi(path: Path) -> None:
    from service.app import create_app
    from service.kernel.http.contract import published_contract

    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://unused/unused",
            "REDIS_URL": "redis://unused",
            "APP_ENV": "test",
            "SECRET_KEY": secrets.token_hex(32),  # nothing is signed: the app is built for its schema only
            "LOG_LEVEL": "WARNING",
        }
    )
    schema = published_contract(create_app(settings))
    path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}")


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings from ours. uvicorn by itself believes X-Forwarded-For from 127.0.0.1, so
    a local client could rotate that header to dodge the per-address limits: forwarded headers
    are read only from the proxies listed in FORWARDED_ALLOW_IPS, and not at all by default."""
    trusted = list(settings.forwarded_allow_ips)
    return {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,  # the app logs every request itself, with its request id
        "server_header": False,  # no Server header: it only tells a prober what to try
        # On SIGTERM uvicorn stops accepting connections and lets the requests in flight finish, for
        # at most this long (Kubernetes: after preStop's 5 s, within the API's 30 s grace period).
        "timeout_graceful_shutdown": 20,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }


def serve(settings: Settings) -> None:
    import uvicorn

    from service.app import create_app

    uvicorn.run(create_app(settings), **uvicorn_options(settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations up to head")
    admin = sub.add_parser("create-admin", help="create an admin staff user")
    admin.add_argument("username")
    admin.add_argument("--full-name", default="Administrator")
    spec = sub.add_parser("openapi", help="write the OpenAPI contract")
    spec.add_argument("--output", type=Path, default=ROOT / "openapi" / "openapi.json")
    sub.add_parser("serve", help="run the API (HOST, PORT, FORWARDED_ALLOW_IPS from the environment)")
    cob = sub.add_parser("close-of-business", help="age the loans to a business date and record its figures")
    cob.add_argument(
        "--date",
        type=date.fromisoformat,
        help="a business date that is over, YYYY-MM-DD (by default every day not closed yet, up to yesterday"
        " in the lender's time zone)",
    )
    sub.add_parser("retention", help="erase or anonymise the personal data past its retention period")
    sub.add_parser(
        "rotate-encryption-key",
        help="re-encrypt the personal fields with the first key of ENCRYPTION_KEYS, in batches",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "openapi":
            write_openapi(args.output)
        else:
            settings = load_settings()
            if args.command == "serve":
                serve(settings)
            elif args.command == "migrate":
                migrate()
            elif args.command == "create-admin":
                password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("password: ")
                asyncio.run(_create_admin(settings, args.username, args.full_name, password))
            elif args.command == "close-of-business":
                asyncio.run(close_of_business(settings, args.date))
            elif args.command == "retention":
                asyncio.run(retention(settings))
            elif args.command == "rotate-encryption-key":
                asyncio.run(rotate_encryption_key(settings))
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return 0
