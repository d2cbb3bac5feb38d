"""Database size per loan, for deploy/CAPACITY.md: bytes per row (table + indexes + TOAST) of the
tables that grow with the book, measured on loans of 36 monthly instalments with a year of payments
and their notices, then scaled to a book.

Run: `uv run python -m tests.perf.bench_sizes [--loans 200] [--payments 12] [--book 1000000]`.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from domain.identity.model import Principal, PrincipalKind, Role
from domain.servicing import PaymentChannel
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.kernel.idempotency import IdempotencyKey
from service.notifications.handlers import plan_loan_notices
from service.notifications.read import SqlNoticePlanning
from service.servicing.handlers.payments import PaymentCommand, record_payment
from service.settings import load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.loans import make_loan
from tests.servers import RunningServers, running_servers

TABLES = (
    "loans",
    "loan_installments",
    "loan_events",
    "ledger_transactions",
    "ledger_entries",
    "notices",
    "outbox_events",
)
START = date(2025, 1, 10)


async def arrange(servers: RunningServers, loans: int, payments: int) -> None:
    settings = load_settings({"DATABASE_URL": servers.database_url, "REDIS_URL": servers.redis_url})
    engine = create_engine(settings)
    uow_factory = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    user = await create_staff_user(
        CreateStaffUser(username="sizes", full_name="Sizes", password="x" * 16, roles=frozenset({Role.LOAN_OFFICER})),
        uow=uow_factory(),
        hasher=Argon2PasswordHasher(fast=True),
        now=datetime.now(UTC),
    )
    actor = Principal(PrincipalKind.STAFF, user.id, frozenset({Role.LOAN_OFFICER}))
    for n in range(loans):
        loan = await make_loan(uow_factory, officer_id=user.id, installments=36, disbursed_on=START)
        for month in range(payments):
            await record_payment(
                loan.id,
                PaymentCommand(
                    amount=Decimal("93.22"),
                    currency="EUR",
                    value_date=START + timedelta(days=31 * (month + 1)),
                    channel=PaymentChannel.DIRECT_DEBIT,
                ),
                actor=actor,
                idempotency=IdempotencyKey("sizes", f"{loan.id}-{month}", "x"),
                uow=uow_factory(),
                today=date.today(),
            )
        if (n + 1) % 50 == 0:
            print(f"seeding loans: {n + 1}/{loans}", flush=True)
    for month in range(payments):  # the reminders of each due date
        await plan_loan_notices(START + timedelta(days=31 * (month + 1) - 3), planning=SqlNoticePlanning(engine))
    await engine.dispose()


async def measure(servers: RunningServers) -> dict[str, tuple[int, int]]:
    """(rows, bytes including indexes and TOAST) per table."""
    connection = await asyncpg.connect(servers.database_url)
    try:
        await connection.execute("VACUUM ANALYZE")
        return {
            table: (
                await connection.fetchval(f"SELECT count(*) FROM {table}"),
                await connection.fetchval("SELECT pg_total_relation_size($1::regclass)", table),
            )
            for table in TABLES
        }
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=200)
    parser.add_argument("--payments", type=int, default=12)
    parser.add_argument("--book", type=int, default=1_000_000)
    args = parser.parse_args()
    with running_servers() as servers:
        asyncio.run(arrange(servers, args.loans, args.payments))
        sizes = asyncio.run(measure(servers))
    print(f"\n{args.loans} loans x 36 instalments, {args.payments} payments each")
    print(f"{'table':<22}{'rows/loan':>10}{'bytes/row':>11}{'GB per ' + format(args.book, ','):>20}")
    total = 0.0
    for table, (rows, size) in sizes.items():
        per_loan = rows / args.loans
        gigabytes = size / args.loans * args.book / 1e9
        total += gigabytes
        print(f"{table:<22}{per_loan:>10.1f}{size / max(rows, 1):>11.0f}{gigabytes:>20.1f}")
    print(f"{'all':<22}{'':>21}{total:>20.1f}")


if __name__ == "__main__":
    main()
