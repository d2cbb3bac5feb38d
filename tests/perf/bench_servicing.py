"""HTTP benchmarks of servicing on one uvicorn worker (issue 5 targets).

Run: `uv run python -m tests.perf.bench_servicing [--seconds 10]`.

1. ``GET /v1/loans/{id}/schedule`` of a loan with 48 instalments and 700 transactions, at a fixed
   200 requests per second over 16 connections (open loop: latency counts from when the request
   was due, so a slow server cannot hide its queue). Target: p99 under 15 ms.
2. ``POST /v1/loans/{id}/payments`` as fast as 16, then 8, connections go (wrk, a new
   Idempotency-Key per request, spread over 400 loans). Target: at least 300 per second with p99
   under 60 ms. (wrk rather than a paced Python client: at 300 POSTs a second such a client takes
   a third of a core from the two the server and PostgreSQL share, and measures itself.)
``GET /health/live`` is measured the same way as a reference for the machine's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from domain.identity.model import Principal, PrincipalKind, Role
from domain.servicing import PaymentChannel
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.kernel.idempotency import IdempotencyKey
from service.servicing.handlers.payments import PaymentCommand, record_payment
from service.settings import load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.loans import make_loan
from tests.perf.bench_api import wrk
from tests.perf.servers import SERVER_PIDS, api_server, cpu_seconds, ensure_wrk
from tests.servers import RunningServers, running_servers
from tools.embedded import free_port

PASSWORD = "benchmark-password-123"
TODAY = date.today()


async def arrange(servers: RunningServers, payment_loans: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A loan with 48 instalments and 700 payments, and fresh loans to pay."""
    settings = load_settings({"DATABASE_URL": servers.database_url, "REDIS_URL": servers.redis_url})
    engine = create_engine(settings)
    uow_factory = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    now = datetime.now(UTC)
    user = await create_staff_user(
        CreateStaffUser(username="bench", full_name="Bench", password=PASSWORD, roles=frozenset({Role.LOAN_OFFICER})),
        uow=uow_factory(),
        hasher=Argon2PasswordHasher(fast=True),
        now=now,
    )
    actor = Principal(PrincipalKind.STAFF, user.id, frozenset({Role.LOAN_OFFICER}))
    busy = await make_loan(
        uow_factory, officer_id=user.id, principal="12000.00", installments=48, disbursed_on=TODAY - timedelta(days=700)
    )
    for n in range(700):
        await record_payment(
            busy.id,
            PaymentCommand(
                amount=Decimal("8.50"),
                currency="EUR",
                value_date=busy.disbursed_on + timedelta(days=n),
                channel=PaymentChannel.DIRECT_DEBIT,
            ),
            actor=actor,
            idempotency=IdempotencyKey("bench", f"arrange-{n}", "x"),
            uow=uow_factory(),
            today=TODAY,
        )
    fresh = [
        (await make_loan(uow_factory, officer_id=user.id, disbursed_on=TODAY - timedelta(days=20))).id
        for _ in range(payment_loans)
    ]
    await engine.dispose()
    return busy.id, fresh


async def query_time(servers: RunningServers, loan_id: uuid.UUID) -> float:
    """Milliseconds PostgreSQL alone takes to render the schedule document (median of 50)."""
    import asyncpg

    from service.servicing.read import SCHEDULE_DOCUMENT_SQL

    connection = await asyncpg.connect(servers.database_url)
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        await connection.fetchrow(SCHEDULE_DOCUMENT_SQL, loan_id)
        timings.append(time.perf_counter() - start)
    await connection.close()
    return statistics.median(timings) * 1000


async def open_loop(
    url: str,
    headers: dict[str, str],
    rate: int,
    seconds: int,
    connections: int,
) -> dict[str, float]:
    """GET ``url`` ``rate`` times a second for ``seconds``; latency from each request's due time."""
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        semaphore = asyncio.Semaphore(connections)

        async def one(due: float) -> None:
            nonlocal failures
            async with semaphore:
                response = await client.get(url, headers=headers)
            if response.status_code >= 300:
                failures += 1
            latencies.append(time.perf_counter() - due)

        start = time.perf_counter()
        tasks = []
        for n in range(rate * seconds):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "errors": float(failures),
        "seconds": elapsed,
    }


def server_cpu(base: str, run: Callable[[], Coroutine[Any, Any, dict[str, float]]]) -> dict[str, float]:
    """``run``'s figures and the API worker's CPU time per request (``cpu_us``) while it ran."""
    pid = SERVER_PIDS[base]
    before = cpu_seconds(pid)
    figures = asyncio.run(run())
    after = cpu_seconds(pid)
    spent = (after - before) if before is not None and after is not None else float("nan")
    return {**figures, "cpu_us": spent / (figures["rps"] * figures["seconds"]) * 1e6}


def payment_script(folder: Path, loans: list[uuid.UUID], token: str) -> Path:
    script = folder / "pay.lua"
    loan_list = ", ".join(f'"{loan}"' for loan in loans)
    body = json.dumps(
        {"amount": {"amount": "12.34", "currency": "EUR"}, "value_date": TODAY.isoformat(), "channel": "transfer"}
    ).replace('"', '\\"')
    script.write_text(
        f"""
local loans = {{{loan_list}}}
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("prefix", "t" .. threads .. "-" .. tostring(os.time()))
end
request = function()
  counter = counter + 1
  local loan = loans[(counter % #loans) + 1]
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer {token}"
  headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format("POST", "/v1/loans/" .. loan .. "/payments", headers, "{body}")
end
"""
    )
    return script


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    tool = ensure_wrk()
    with running_servers() as servers:
        busy, fresh = asyncio.run(arrange(servers, 400))
        with api_server(servers, free_port()) as base, tempfile.TemporaryDirectory() as folder:
            token = httpx.post(f"{base}/v1/auth/token", json={"username": "bench", "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            schedule_url = f"{base}/v1/loans/{busy}/schedule"
            body = httpx.get(schedule_url, headers=headers).json()
            assert len(body["installments"]) == 48 and len(body["transactions"]) == 700, "arrangement failed"
            asyncio.run(open_loop(schedule_url, headers, 200, 2, 16))  # warm-up
            live = server_cpu(base, lambda: open_loop(f"{base}/health/live", headers, 200, args.seconds, 16))
            schedule = server_cpu(base, lambda: open_loop(schedule_url, headers, 200, args.seconds, 16))
            script = payment_script(Path(folder), fresh, token["access_token"])
            payments = wrk(tool, f"{base}/v1/loans", args.seconds, 16, script)
            payments_8 = wrk(tool, f"{base}/v1/loans", args.seconds, 8, script)
        rendering = asyncio.run(query_time(servers, busy))
    print(f"one uvicorn worker; open loop 200 req/s over 16 connections for {args.seconds}s; wrk -t2 -c16 for POST")
    print(f"{'route':<40}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, figures in (
        ("GET /health/live (200/s)", live),
        ("GET /v1/loans/{id}/schedule (200/s)", schedule),
        ("POST /v1/loans/{id}/payments (wrk -c16)", payments),
        ("POST /v1/loans/{id}/payments (wrk -c8)", payments_8),
    ):
        print(
            f"{name:<40}{figures['rps']:>8.0f}{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}{figures['errors']:>8.0f}"
        )
    cpu = ", ".join(f"{name} {figures['cpu_us']:.0f} us" for name, figures in (("live", live), ("schedule", schedule)))
    print(f"server CPU per GET (steadier than the p99 on a shared machine): {cpu}")
    print(f"PostgreSQL alone renders the schedule document in {rendering:.1f} ms (median)")
    print("targets: schedule p99 < 15 ms at 200/s; payments >= 300/s with p99 < 60 ms")


if __name__ == "__main__":
    main()
