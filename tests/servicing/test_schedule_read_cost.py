"""What the schedule GET costs the database: round trips and planning, counted, not timed.

On this kind of machine each round trip to PostgreSQL costs the API worker about half a millisecond
of CPU (the loopback send wakes the server process), more than rendering the document: the read's
BEGIN and COMMIT and the read audit's BEGIN and COMMIT doubled the schedule GET's p99 (README,
Benchmarks). And the statement takes PostgreSQL about as long to plan as to run: it must stay one
prepared statement of constant text, planned once per connection."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from service.kernel.db.engine import create_engine, create_sessionmaker
from service.servicing.handlers.payments import schedule_document
from service.servicing.read import SCHEDULE_DOCUMENT_SQL
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing, lender_today
from tests.loans import make_loan
from tests.servicing.test_http import _principal, payment, post
from tests.statements import count_the_apps_statements

DISBURSED = lender_today() - timedelta(days=100)


async def test_an_officers_schedule_read_takes_five_round_trips(
    racing: Racing, officer: Caller, uow_factory: SqlUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token check, the document in its READ ONLY transaction (BEGIN, the statement, COMMIT: a
    steadier p99 than the statement alone, measured), the read's audit record in one autocommit
    INSERT. Seven before issue 12's work (SQLAlchemy's BEGIN/INSERT/COMMIT for the audit record)."""
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, installments=12)
    sent = count_the_apps_statements(monkeypatch)
    async with racing() as http:
        for k in range(3):
            paid = await post(
                http, officer, f"/v1/loans/{loan.id}/payments", payment("20.00", DISBURSED + timedelta(k))
            )  # type: ignore[arg-type]
            assert paid.status_code == 201, paid.text
        await asyncio.sleep(0)  # the loggers of the payments' last statements
        sent.clear()
        response = await http.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)
        assert response.status_code == 200 and len(response.json()["transactions"]) == 3
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after the query, not during it
    assert len(sent) == 5, sent
    token_check, begin, document, commit, audit = sent
    assert begin.startswith("BEGIN") and "READ ONLY" in begin and commit == "COMMIT;"
    assert "token_version" in token_check
    assert document == SCHEDULE_DOCUMENT_SQL
    assert audit.lstrip().startswith("INSERT INTO privacy_read_audit")


async def test_the_schedule_statement_is_prepared_once_and_reused(
    officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    """On one connection, asyncpg's statement cache keeps the statement prepared: the eight reads run
    the one prepared statement (PostgreSQL counts each run's plan on it). Whether PostgreSQL goes on
    to a generic plan after its five custom ones depends on its statistics of the day (CI saw eight
    custom plans before autovacuum had analysed the new rows), so that is not asserted here."""
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, installments=12)
    engine = create_engine(replace(settings, db_pool_size=1, db_max_overflow=0))
    one_connection = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    try:
        for _ in range(8):
            assert await schedule_document(loan.id, actor=_principal(officer), uow=one_connection())
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            plans = await raw.fetchrow(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
                SCHEDULE_DOCUMENT_SQL,
            )
    finally:
        await engine.dispose()
    assert plans is not None, "the statement is not kept prepared on the connection"
    assert plans["custom_plans"] + plans["generic_plans"] == 8, dict(plans)
