"""Benchmark: the close of business over N active loans of 36 monthly instalments each.

Run: `uv run python -m tests.perf.bench_close_of_business [--loans 1000000] [--chunk 10000]`.

The book is built with set-based SQL (INSERT ... SELECT generate_series, not timed), mid-life
loans with a realistic mix: 80 % current, 8 % 1-30 days late, 5 % 31-60, 4 % 61-90, 3 % over 90,
with a grace of 5 days, a late fee and penalty interest (so late instalments are charged every
day). Then the close of business runs for the next business date over all of them (timed), and a
second time for the same date (timed: it must find the run finished and change nothing).

PostgreSQL is an embedded server of its own (`.local/bench-cob-pg`, thrown away), or the server
of DATABASE_URL (a `cob_bench` database is created there). The embedded server runs, as in the
tests, with fsync, synchronous_commit and full_page_writes off, and for this benchmark with
shared_buffers = 4GB, work_mem = 64MB, maintenance_work_mem = 1GB, max_wal_size = 16GB; the figures
printed say so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.schema import CreateIndex, DropIndex

from domain.servicing import ServicingTerms
from service.kernel.db.mapping import servicing_to_json
from service.metadata import metadata
from service.servicing.handlers.close_of_business import close_business_day
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from tests.servers import ROOT
from tools.embedded import EmbeddedPostgres, free_port, reset_folder

BUSINESS_DATE = date(2027, 6, 15)
TODAY = BUSINESS_DATE + timedelta(days=1)  # the benchmark closes its day as if it were over
TERMS = ServicingTerms(
    currency="EUR", grace_days_before_late=5, late_fee=Decimal("10.00"), penalty_annual_rate=Decimal("10")
)
TUNING = {
    "shared_buffers": "4GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "16GB",
    "checkpoint_timeout": "30min",
}
BULK_INDEXES = ("ix_loan_installments_unpaid", "ix_loan_installments_in_arrears")

# Loan parameters: g numbers the loans; the ``unpaid`` latest instalments due are left unpaid.
LOAN_PARAMETERS = """
CREATE UNLOGGED TABLE bench_loans AS
SELECT p.*, greatest(p.due_count - p.unpaid, 0) AS paid_count
FROM (
    SELECT g,
           lpad(to_hex(g), 32, '0')::uuid AS id,
           ('a' || lpad(to_hex(g), 31, '0'))::uuid AS applicant_id,
           ('b' || lpad(to_hex(g), 31, '0'))::uuid AS application_id,
           d.disbursed_on,
           (1000 + (g % 90) * 100)::numeric AS principal,
           round((1000 + (g % 90) * 100)::numeric / 36, 2) AS part,
           (SELECT count(*) FROM generate_series(1, 36) AS k
            WHERE (d.disbursed_on + make_interval(months => k))::date <= CAST(:since AS date))::int AS due_count,
           CASE WHEN g % 100 < 80 THEN 0 WHEN g % 100 < 88 THEN 1 WHEN g % 100 < 93 THEN 2
                WHEN g % 100 < 97 THEN 3 ELSE 4 + g % 3 END AS unpaid
    FROM generate_series(1, :n) AS g
    CROSS JOIN LATERAL (SELECT CAST(:since AS date) - (30 + (g::bigint * 7919) % 1020)::int AS disbursed_on) AS d
) AS p
"""

APPLICANTS = """
INSERT INTO applicants (id, full_name, search_name, email, situation, stage, version, officer_id)
SELECT applicant_id, 'Borrower ' || g, 'borrower ' || g, 'b' || g || '@example.org', 'job_seeker', 'financed', 1,
       :officer
FROM bench_loans ORDER BY g
"""

APPLICATIONS = """
INSERT INTO applications (id, applicant_id, officer_id, product_id, product_version, currency, amount,
    number_of_installments, principal_grace_installments, purpose, status, conditions, rejection_reasons,
    eligibility, disbursed_amount, version)
SELECT application_id, applicant_id, :officer, :product, 1, 'EUR', principal, 36, 0, 'bench', 'disbursed',
       '{}', '{}', '[]', principal, 1
FROM bench_loans ORDER BY g
"""

# The loan as of the day before: principal of the unpaid instalments, the age of the oldest
# unpaid one beyond the grace days (5), its bucket, the next due date.
LOANS = """
INSERT INTO loans (id, application_id, applicant_id, officer_id, product_id, product_version, currency, principal,
    annual_interest_rate, apr, status, disbursed_on, servicing, outstanding_principal, days_past_due, arrears_bucket,
    next_due_date, state_as_of)
SELECT b.id, b.application_id, b.applicant_id, :officer, :product, 1, 'EUR', b.principal, 7.45, 7.72, 'active',
       b.disbursed_on, CAST(:servicing AS jsonb), b.principal - b.paid_count * b.part, a.days,
       CASE WHEN a.days = 0 THEN 'current' WHEN a.days <= 30 THEN '1-30' WHEN a.days <= 60 THEN '31-60'
            WHEN a.days <= 90 THEN '61-90' ELSE 'over 90' END,
       CASE WHEN b.due_count > b.paid_count AND (b.disbursed_on + make_interval(months => b.due_count))::date
                 = CAST(:since AS date)
            THEN CAST(:since AS date)
            ELSE (b.disbursed_on + make_interval(months => b.due_count + 1))::date END,
       CAST(:since AS date)
FROM bench_loans b
CROSS JOIN LATERAL (
    SELECT CASE WHEN b.due_count > b.paid_count AND CAST(:since AS date)
                     - (b.disbursed_on + make_interval(months => b.paid_count + 1))::date > 5
                THEN CAST(:since AS date) - (b.disbursed_on + make_interval(months => b.paid_count + 1))::date
                ELSE 0 END AS days
) AS a
ORDER BY b.g
"""

# Instalments: equal principal (the last one takes the rounding), 7.45 % a year monthly; those
# due are paid except the ``unpaid`` latest, which are charged their late fee and penalty
# interest (10 %) up to the day before, beyond the 5 days of grace.
INSTALLMENTS = """
INSERT INTO loan_installments (loan_id, number, due_date, principal, interest, fees, total, principal_remaining,
    principal_due, interest_due, principal_paid, interest_paid, outstanding, status, days_past_due,
    late_fee, late_amount_days, charged_through, penalty_interest, penalties_due)
SELECT s.id, s.k, s.due_date, s.principal, s.interest, 0, s.principal + s.interest, s.remaining,
       s.principal, s.interest,
       CASE WHEN s.paid THEN s.principal ELSE 0 END, CASE WHEN s.paid THEN s.interest ELSE 0 END,
       CASE WHEN s.paid THEN 0 ELSE s.principal + s.interest + c.late_fee + c.penalty END,
       CASE WHEN s.paid THEN 'paid' WHEN s.due_date > CAST(:since AS date) THEN 'not_due'
            WHEN c.late_days > 0 THEN 'late' ELSE 'due' END,
       CASE WHEN NOT s.paid AND s.due_date <= CAST(:since AS date) THEN CAST(:since AS date) - s.due_date ELSE 0 END,
       c.late_fee, c.late_days * (s.principal + s.interest),
       CASE WHEN c.late_days > 0 THEN CAST(:since AS date) END, c.penalty, c.late_fee + c.penalty
FROM (
    SELECT b.g, b.id, k, (b.disbursed_on + make_interval(months => k))::date AS due_date,
           CASE WHEN k = 36 THEN b.principal - 35 * b.part ELSE b.part END AS principal,
           round((b.principal - (k - 1) * b.part) * 0.0745 / 12, 2) AS interest,
           CASE WHEN k = 36 THEN 0 ELSE b.principal - k * b.part END AS remaining,
           k <= b.paid_count AS paid
    FROM bench_loans b CROSS JOIN LATERAL generate_series(1, 36) AS k
    WHERE b.g % 2 = :half
) AS s
CROSS JOIN LATERAL (
    SELECT CASE WHEN l.days > 0 THEN 10.00 ELSE 0 END AS late_fee, l.days AS late_days,
           round(l.days * (s.principal + s.interest) * 10 / 36500, 2) AS penalty
    FROM (SELECT CASE WHEN NOT s.paid THEN greatest(CAST(:since AS date) - (s.due_date + 5), 0) ELSE 0 END AS days) AS l
) AS c
"""


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _async(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


async def prepare(server_url: str) -> str:
    import asyncpg

    connection = await asyncpg.connect(_with_database(server_url, "postgres"))
    try:
        await connection.execute('DROP DATABASE IF EXISTS "cob_bench" WITH (FORCE)')
        await connection.execute('CREATE DATABASE "cob_bench"')
    finally:
        await connection.close()
    return _with_database(server_url, "cob_bench")


async def build_book(engine: AsyncEngine, loans: int) -> None:
    since = BUSINESS_DATE - timedelta(days=1)
    officer = "00000000-0000-0000-0000-0000000000aa"
    product = "00000000-0000-0000-0000-0000000000bb"
    params = {"since": since, "n": loans, "officer": officer, "product": product}
    tables = metadata.tables
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO staff_users (id, username, full_name, password_hash, roles, active, version)"
                " VALUES (:officer, 'bench', 'Bench Officer', 'x', '{loan_officer}', true, 1)"
            ),
            params,
        )
        await connection.execute(
            text(
                "INSERT INTO loan_products (id, code, name, active, current_version)"
                " VALUES (:product, 'BENCH', 'Bench product', true, 1)"
            ),
            params,
        )
        for index in tables["loan_installments"].indexes:
            if index.name in BULK_INDEXES:
                await connection.execute(DropIndex(index))
        # Consistent by construction: foreign keys are not checked row by row while loading.
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        servicing = json.dumps(servicing_to_json(TERMS))
        for statement in (LOAN_PARAMETERS, APPLICANTS, APPLICATIONS, LOANS):
            started = time.perf_counter()
            await connection.execute(text(statement), {**params, "servicing": servicing})
            print(f"  {' '.join(statement.split()[:3])}: {time.perf_counter() - started:.1f} s", flush=True)

    async def instalments(half: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(text(INSTALLMENTS), {**params, "half": half})

    started = time.perf_counter()
    await asyncio.gather(instalments(0), instalments(1))  # one per core
    print(f"  INSERT INTO loan_installments: {time.perf_counter() - started:.1f} s", flush=True)
    async with engine.begin() as connection:
        started = time.perf_counter()
        for index in tables["loan_installments"].indexes:
            if index.name in BULK_INDEXES:
                await connection.execute(CreateIndex(index))
        print(f"  indexes: {time.perf_counter() - started:.1f} s", flush=True)
        await connection.execute(text("DROP TABLE bench_loans"))
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM (ANALYZE) loans, loan_installments, applicants, applications"))
        await connection.execute(text("CHECKPOINT"))


async def mix(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT arrears_bucket, count(*) FROM loans GROUP BY 1 ORDER BY min(days_past_due)")
        )
        return ", ".join(f"{bucket} {count}" for bucket, count in rows)


async def explain_first_chunk(engine: AsyncEngine, chunk: int) -> None:
    """Print the plan of the first chunk's statement (rolled back), to see where the time goes."""
    from service.servicing.repositories import close_of_business as sql

    async with engine.connect() as connection:
        params = {"d": BUSINESS_DATE, "after": uuid.UUID(int=0), "limit": chunk, "decimals": '{"EUR": 2}'}
        params["last"] = await connection.scalar(sql._CHUNK_END, params)
        for setting in ("enable_seqscan", "enable_mergejoin"):
            await connection.execute(text(f"SET LOCAL {setting} = off"))
        for statement in (sql._LOCK, sql._AGE):
            plan = await connection.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement.text), params)
            print("\n".join(row[0] for row in plan))
        await connection.rollback()


async def refuse_refresh(loan_id: object, as_of: date) -> None:
    raise AssertionError("no loan of the benchmark has a credit balance")


async def run(url: str, loans: int, chunk: int) -> None:
    engine = create_async_engine(_async(url), pool_size=2)
    try:
        started = time.perf_counter()
        await build_book(engine, loans)
        print(f"built {loans:,} loans x 36 instalments in {time.perf_counter() - started:.0f} s (not timed)")
        print(f"arrears before: {await mix(engine)}")
        book = SqlCloseOfBusiness(engine)
        if os.environ.get("BENCH_EXPLAIN"):
            await explain_first_chunk(engine, chunk)
        for attempt in ("first run", "second run, same date"):
            started = time.perf_counter()
            report = await close_business_day(
                BUSINESS_DATE, today=TODAY, book=book, refresh=refuse_refresh, chunk_size=chunk
            )
            seconds = time.perf_counter() - started
            print(
                f"close of business {BUSINESS_DATE} ({attempt}): {seconds:.1f} s, {loans / seconds:,.0f} loans/s;"
                f" {report.loans_aged:,} loans aged, {report.installments_updated:,} instalments written,"
                f" {report.chunks} chunks of {chunk:,}"
            )
        print(f"arrears after: {await mix(engine)}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL")
    postgres: EmbeddedPostgres | None = None
    try:
        if not server_url:
            folder = ROOT / ".local" / "bench-cob-pg"
            reset_folder(folder)
            postgres = EmbeddedPostgres(folder, free_port())
            postgres.start()
            asyncio.run(_tune(postgres.url))
            postgres.stop()
            postgres.start()
            server_url = postgres.url
            print("embedded PostgreSQL: fsync, synchronous_commit, full_page_writes off; " + _tuning_text())
        else:
            print("PostgreSQL from DATABASE_URL, its own settings")
        url = asyncio.run(prepare(server_url))
        from service.cli import migrate

        migrate(url)
        asyncio.run(run(url, args.loans, args.chunk))
    finally:
        if postgres is not None:
            postgres.stop()
            reset_folder(postgres.data_dir)


def _tuning_text() -> str:
    return ", ".join(f"{name} = {value}" for name, value in TUNING.items())


async def _tune(server_url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        for name, value in TUNING.items():
            await connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
