"""GET /v1/loans's query on a book of N loans (the close of business benchmark's book, spread over
20 officers, 5 products and 10 partners): the median time of the first page of 50 per filter,
measured through the repository (SQLAlchemy + asyncpg), PostgreSQL included.

`uv run python -m tests.perf.bench_loan_list [--loans N]` (embedded PostgreSQL unless DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from service.servicing.ports import LoanSearch
from service.servicing.repositories.loans import SqlLoans
from tests.perf.bench_close_of_business import ROOT, _async, build_book, prepare
from tools.embedded import EmbeddedPostgres, free_port, reset_folder

SPREAD = """
INSERT INTO staff_users (id, username, full_name, password_hash, roles, active, version)
SELECT ('c' || lpad(to_hex(g), 31, '0'))::uuid, 'officer' || g, 'Officer ' || g, 'x', '{loan_officer}', true, 1
FROM generate_series(1, 20) AS g;
INSERT INTO loan_products (id, code, name, active, current_version)
SELECT ('d' || lpad(to_hex(g), 31, '0'))::uuid, 'P' || g, 'Product ' || g, true, 1 FROM generate_series(1, 5) AS g;
INSERT INTO partners (id, name, kind, active)
SELECT ('e' || lpad(to_hex(g), 31, '0'))::uuid, 'Partner ' || g, 'employment_agency', true
FROM generate_series(1, 10) AS g;
UPDATE loans SET officer_id = ('c' || lpad(to_hex(1 + n % 20), 31, '0'))::uuid,
                 product_id = ('d' || lpad(to_hex(1 + n % 5), 31, '0'))::uuid,
                 partner_id = CASE WHEN n % 3 = 0 THEN ('e' || lpad(to_hex(1 + n % 10), 31, '0'))::uuid END,
                 status = CASE WHEN n % 50 = 0 THEN 'closed' ELSE 'active' END
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM loans) AS numbered WHERE numbered.id = loans.id;
VACUUM ANALYZE loans;
"""


def _id(prefix: str, n: int) -> uuid.UUID:
    return uuid.UUID(prefix + format(n, "x").rjust(31, "0"))


CASES = {
    "no filter": LoanSearch(),
    "officer": LoanSearch(officer_id=_id("c", 7)),
    "product": LoanSearch(product_id=_id("d", 2)),
    "partner": LoanSearch(partner_id=_id("e", 3)),
    "status closed": LoanSearch(status="closed"),
    "bucket over 90": LoanSearch(arrears_bucket="over 90"),
    "officer + bucket 31-60": LoanSearch(officer_id=_id("c", 7), arrears_bucket="31-60"),
    "borrower name": LoanSearch(borrower_name="borrower 4242"),
    "borrower id": LoanSearch(applicant_id=uuid.UUID("a" + format(4242, "x").rjust(31, "0"))),
}


async def run(url: str, loans: int) -> None:
    engine: AsyncEngine = create_async_engine(_async(url), pool_size=2)
    try:
        await build_book(engine, loans)
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in SPREAD.split(";\n"):
                if statement.strip():
                    await connection.execute(text(statement))
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        for name, criteria in CASES.items():
            timings = []
            for _ in range(20):
                async with sessions() as session:
                    started = time.perf_counter()
                    found = await SqlLoans(session).search(criteria, after=None, limit=50)
                    timings.append(time.perf_counter() - started)
            print(
                f"{name:>24}: {len(found):>2} loans, median {statistics.median(timings) * 1000:6.1f} ms,"
                f" max {max(timings) * 1000:6.1f} ms",
                flush=True,
            )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=5_000)
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL")
    postgres: EmbeddedPostgres | None = None
    try:
        if not server_url:
            folder = ROOT / ".local" / "bench-loans-pg"
            reset_folder(folder)
            postgres = EmbeddedPostgres(folder, free_port())
            postgres.start()
            server_url = postgres.url
        url = asyncio.run(prepare(server_url))
        from service.cli import migrate

        migrate(url)
        print(f"{args.loans:,} loans")
        asyncio.run(run(url, args.loans))
    finally:
        if postgres is not None:
            postgres.stop()
            reset_folder(postgres.data_dir)


if __name__ == "__main__":
    main()
