"""Many clients post repayments with Idempotency-Keys (the same ones again and again, some reused
with another body) while PostgreSQL crashes and restarts. Afterwards nothing is lost or doubled.

The database is a server of this test's own (it is crashed on purpose), durable like production:
an acknowledged commit must survive the crash.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from domain.identity.model import Role
from domain.ledger.model import Account
from domain.ledger.servicing import servicing_balances
from domain.servicing import state_as_of
from service.app import create_app
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import PASSWORD, RecordingLoginCodeSender, lender_today, make_settings
from tests.loans import MadeLoan, make_loan
from tests.servers import ROOT, RunningServers, _recreate_database, _with_database
from tools.embedded import EmbeddedPostgres, free_port, reset_folder

SEED = 20261124
KEYS = 36
CLIENTS = 12
D = Decimal
TODAY = lender_today()


@dataclass
class Request:
    key: str
    loan: MadeLoan
    body: dict[str, Any]


@dataclass
class Outcomes:
    answers: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)  # key -> 2xx
    refused: list[int] = field(default_factory=list)
    done: int = 0
    unavailable: int = 0  # answers while the database was down: 503s and broken connections


def plan(loans: list[MadeLoan], rng: random.Random) -> list[Request]:
    """Each key three times with its body, and some keys once more with another body."""
    requests: list[Request] = []
    for n in range(KEYS):
        loan = rng.choice(loans)
        on = loan.disbursed_on + timedelta(days=rng.randrange((TODAY - loan.disbursed_on).days + 1))
        body = {
            "amount": {"amount": f"{rng.randrange(500, 20000) / 100:.2f}", "currency": "EUR"},
            "value_date": on.isoformat(),
            "channel": rng.choice(["direct_debit", "transfer", "cash", "card"]),
        }
        requests += [Request(f"key-{n}", loan, body)] * 3
        if n % 4 == 0:
            other = {**body, "amount": {"amount": "1.23", "currency": "EUR"}}
            requests.append(Request(f"key-{n}", loan, other))
    rng.shuffle(requests)
    return requests


async def send(http: httpx.AsyncClient, headers: dict[str, str], request: Request, outcomes: Outcomes) -> None:
    """Like a real client: retry on 503, 409 (in flight) and broken connections until a final answer."""
    for _ in range(200):
        try:
            response = await http.post(
                f"/v1/loans/{request.loan.id}/payments",
                json=request.body,
                headers={**headers, "Idempotency-Key": request.key},
            )
        except (httpx.TransportError, OSError):
            outcomes.unavailable += 1
            await asyncio.sleep(0.05)
            continue
        if response.status_code == 503:
            outcomes.unavailable += 1
        if response.status_code in (409, 503):
            await asyncio.sleep(0.05)
            continue
        if response.status_code == 201:
            outcomes.answers.setdefault(request.key, []).append((request.body, response.json()))
        else:
            assert response.status_code == 422, response.text
            assert response.json()["code"] == "idempotency.key_reused"
            outcomes.refused.append(response.status_code)
        outcomes.done += 1
        return
    raise AssertionError(f"no final answer for {request.key}")


async def crash_and_restart(postgres: EmbeddedPostgres, outcomes: Outcomes, after: int) -> bool:
    while outcomes.done < after:  # noqa: ASYNC110 (polling a counter the clients bump is simplest here)
        await asyncio.sleep(0.01)
    await asyncio.to_thread(postgres.stop, "immediate")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(postgres.start)
    return True


async def test_repayments_survive_a_database_crash(servers: RunningServers) -> None:
    worker = __import__("os").environ.get("PYTEST_XDIST_WORKER", "main")
    folder = ROOT / ".local" / f"test-pg-outage-{worker}"
    reset_folder(folder)
    postgres = EmbeddedPostgres(folder, free_port(), durable=True)
    postgres.start()
    try:
        await _run(postgres, servers)
    finally:
        postgres.stop("immediate")


async def _run(postgres: EmbeddedPostgres, servers: RunningServers) -> None:
    await _recreate_database(postgres.url, "outage")
    database_url = _with_database(postgres.url, "outage")
    from service.cli import migrate

    await asyncio.to_thread(migrate, database_url)
    settings = make_settings(RunningServers(database_url, servers.redis_url), DB_POOL_SIZE="8")
    engine = create_engine(settings)
    uow_factory = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    user = await create_staff_user(
        CreateStaffUser(
            username="cashier", full_name="Cashier", password=PASSWORD, roles=frozenset({Role.LOAN_OFFICER})
        ),
        uow=uow_factory(),
        hasher=Argon2PasswordHasher(fast=True),
        now=datetime.now(UTC),
    )
    loans = [
        await make_loan(uow_factory, officer_id=user.id, disbursed_on=TODAY - timedelta(days=days), installments=24)
        for days in (40, 95, 200)
    ]
    requests = plan(loans, random.Random(SEED))
    app = create_app(settings, login_code_sender=RecordingLoginCodeSender(), fast_password_hashing=True)
    outcomes = Outcomes()
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        token = (await http.post("/v1/auth/token", json={"username": "cashier", "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        queue: asyncio.Queue[Request] = asyncio.Queue()
        for request in requests:
            queue.put_nowait(request)

        async def client() -> None:
            while not queue.empty():
                await send(http, headers, queue.get_nowait(), outcomes)

        crash = asyncio.create_task(crash_and_restart(postgres, outcomes, after=len(requests) // 3))
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        assert await crash
        assert outcomes.unavailable > 0, "the crash happened after the traffic: nothing was tested"
        # Every 2xx answer is still there: asking again with its key and body gives it back.
        for key, answers in outcomes.answers.items():
            body, first = answers[0]
            assert all(answer == first for _, answer in answers), key
            again = await http.post(
                f"/v1/loans/{first['loan_id']}/payments", json=body, headers={**headers, "Idempotency-Key": key}
            )
            assert again.status_code == 201 and again.json() == first
    await engine.dispose()  # its pooled connections died with the crash
    await _check_books(engine, uow_factory, loans, outcomes)
    await engine.dispose()


async def _check_books(
    engine: Any, uow_factory: SqlUnitOfWorkFactory, loans: list[MadeLoan], outcomes: Outcomes
) -> None:
    assert len(outcomes.answers) == KEYS  # every key got through, once
    async with engine.connect() as connection:
        unbalanced = await connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries"
                " GROUP BY transaction_id, currency HAVING sum(amount) <> 0) AS t"
            )
        )
        payments = (
            await connection.execute(
                text("SELECT id, amount, ledger_transaction_id FROM loan_events WHERE kind = 'payment'")
            )
        ).all()
        payment_transactions = await connection.scalar(
            text("SELECT count(*) FROM ledger_transactions WHERE kind = 'payment'")
        )
        negative = await connection.scalar(
            text("SELECT count(*) FROM loans WHERE outstanding_principal < 0 OR credit_balance < 0")
        )
    assert unbalanced == 0 and negative == 0
    answered = {uuid.UUID(answers[0][1]["id"]): D(answers[0][1]["amount"]) for answers in outcomes.answers.values()}
    assert {row.id: row.amount for row in payments} == answered  # exactly one payment per key, as answered
    assert len({row.ledger_transaction_id for row in payments}) == len(payments) == payment_transactions
    for loan in loans:
        async with uow_factory() as uow:
            serviced = await uow.servicing.lock(loan.id, for_update=False)
            posted = await uow.servicing.posted_balances(loan.id)
            principal = await uow.ledger.balance(Account.LOAN_PRINCIPAL, loan_id=loan.id)
        assert serviced is not None
        events = [e.as_servicing_event() for e in serviced.events]
        state = state_as_of(loan.schedule, loan.servicing, events, TODAY, disbursed_on=loan.disbursed_on)
        repaid = sum((a.amount for a in state.allocations if a.component.value == "principal"), D(0))
        assert principal == D("3000.00") - repaid == state.outstanding_principal >= 0
        assert {k: v for k, v in posted.items() if v} == {k: v for k, v in servicing_balances(state).items() if v}
