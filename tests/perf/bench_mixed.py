"""Mixed workload against the running service, with 1 then 2 uvicorn worker processes (issue 16).

Run: `uv run python -m tests.perf.bench_mixed [--seconds 15] [--loans 400]`.

Four routes at once, each driven by its own wrk (closed loop, its own connections, so that each
route gets its own latency distribution), on the embedded PostgreSQL and Redis:

- ``POST /v1/loan-quotes`` (public; 16 connections),
- ``GET /v1/loans/{id}/schedule`` of ``--loans`` loans in turn (an officer; 16),
- ``POST /v1/loans/{id}/payments`` with a new Idempotency-Key each (an officer; 8),
- ``POST /v1/referrals`` of a new person each (a partner's API key; 8).

Reported per route and server size: requests per second, p50 and p99 (wrk's), errors; the total;
the 2-worker/1-worker ratio; and where the CPU went (psutil: the uvicorn processes against the
PostgreSQL processes, in CPU-seconds per second of the run). wrk itself also uses the machine's
CPU: on the 2-core development machine everything shares two cores, so read the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from domain.identity.model import Role
from service.identity.handlers import CreateStaffUser, create_api_key, create_partner, create_staff_user
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.settings import load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.loans import make_loan
from tests.perf.bench_api import QUOTE, wrk
from tests.perf.servers import SERVER_PIDS, api_server, ensure_wrk
from tests.servers import RunningServers, running_servers
from tools.embedded import free_port

PASSWORD = "benchmark-password-123"
TODAY = date.today()
CONNECTIONS = {"quotes": 16, "schedule": 16, "payments": 8, "referrals": 8}
ROUTES = {
    "quotes": "POST /v1/loan-quotes",
    "schedule": "GET /v1/loans/{id}/schedule",
    "payments": "POST /v1/loans/{id}/payments",
    "referrals": "POST /v1/referrals",
}


async def arrange(servers: RunningServers, loans: int) -> tuple[list[uuid.UUID], str]:
    """An officer, ``loans`` loans disbursed 20 days ago, and a partner's API key."""
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
    made = []
    for n in range(loans):
        made.append((await make_loan(uow_factory, officer_id=user.id, disbursed_on=TODAY - timedelta(days=20))).id)
        if (n + 1) % 100 == 0:
            print(f"seeding loans: {n + 1}/{loans}", flush=True)
    partner = await create_partner("Bench partner", "employment_agency", uow=uow_factory(), now=now)
    _, secret = await create_api_key(partner.id, "bench", uow=uow_factory(), now=now)
    await engine.dispose()
    return made, secret


def scripts(folder: Path, loans: list[uuid.UUID], token: str, api_key: str) -> dict[str, Path]:
    """wrk Lua scripts, one per route."""
    loan_list = ", ".join(f'"{loan}"' for loan in loans)
    quote = json.dumps(QUOTE).replace("\\", "\\\\").replace('"', '\\"')
    payment = json.dumps(
        {"amount": {"amount": "12.34", "currency": "EUR"}, "value_date": TODAY.isoformat(), "channel": "transfer"}
    ).replace('"', '\\"')
    common = f"""
local loans = {{{loan_list}}}
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("prefix", "t" .. threads .. "-" .. tostring(os.time()))
end
"""
    bodies = {
        "quotes": f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = "{quote}"\n',
        "schedule": common
        + f"""
request = function()
  counter = counter + 1
  return wrk.format("GET", "/v1/loans/" .. loans[(counter % #loans) + 1] .. "/schedule",
                    {{["Authorization"] = "Bearer {token}"}})
end
""",
        "payments": common
        + f"""
request = function()
  counter = counter + 1
  local headers = {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}",
                   ["Idempotency-Key"] = prefix .. "-" .. counter}}
  return wrk.format("POST", "/v1/loans/" .. loans[(counter % #loans) + 1] .. "/payments", headers, "{payment}")
end
""",
        "referrals": common
        + f"""
request = function()
  counter = counter + 1
  local who = prefix .. "-" .. counter
  local body = '{{"person": {{"full_name": "Bench Person", "email": "' .. who .. '@bench.example"}}, ' ..
    '"situation": "job_seeker", "project_idea": "Bench project", ' ..
    '"partner_contact": {{"name": "Bench adviser", "email": "adviser@bench.example"}}, ' ..
    '"consent": {{"given": true, "given_on": "{TODAY.isoformat()}"}}}}'
  local headers = {{["Content-Type"] = "application/json", ["X-API-Key"] = "{api_key}",
                   ["Idempotency-Key"] = who}}
  return wrk.format("POST", "/v1/referrals", headers, body)
end
""",
    }
    paths = {}
    for name, text in bodies.items():
        paths[name] = folder / f"{name}.lua"
        paths[name].write_text(text)
    return paths


def cpu_of(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def server_processes(pid: int) -> list[psutil.Process]:
    """A process and its children (uvicorn's supervisor and its workers; PostgreSQL's postmaster
    and its backends)."""
    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def postmaster(database_url: str) -> int:
    """The PostgreSQL server listening on the URL's port (not the other servers on the machine)."""
    port = urlsplit(database_url).port
    [pid] = {c.pid for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port and c.pid}
    return pid


def run_mix(tool: str, base: str, paths: dict[str, Path], seconds: int, database: int) -> dict[str, object]:
    """All four wrk at once; their figures and the CPU the service and PostgreSQL used meanwhile."""
    service = server_processes(SERVER_PIDS[base])
    service_cpu, database_cpu = cpu_of(service), cpu_of(server_processes(database))
    figures: dict[str, dict[str, float]] = {}

    def one(name: str) -> None:
        url = f"{base}/v1/loan-quotes" if name == "quotes" else f"{base}/v1/loans"
        figures[name] = wrk(tool, url, seconds, CONNECTIONS[name], paths[name], threads=1)

    started = time.monotonic()
    workers = [threading.Thread(target=one, args=(name,)) for name in ROUTES]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "routes": figures,
        "service_cpu": (cpu_of(service) - service_cpu) / elapsed,
        # Backends opened during the run count from zero, those closed during it are missed: the
        # pools keep theirs open.
        "database_cpu": (cpu_of(server_processes(database)) - database_cpu) / elapsed,
        "machine_load": psutil.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--loans", type=int, default=400)
    args = parser.parse_args()
    tool = ensure_wrk()
    results: dict[int, dict[str, object]] = {}
    with running_servers() as servers, tempfile.TemporaryDirectory() as folder:
        loans, api_key = asyncio.run(arrange(servers, args.loans))
        database = postmaster(servers.database_url)
        for workers in (1, 2):
            with api_server(
                servers, free_port(), workers=workers, QUOTES_RATE_LIMIT="1000000000", DB_POOL_SIZE="20"
            ) as base:
                for _ in range(100):  # every worker process up
                    try:
                        httpx.get(f"{base}/health/ready", timeout=2)
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                answer = httpx.post(f"{base}/v1/auth/token", json={"username": "bench", "password": PASSWORD})
                token = answer.json()["access_token"]
                paths = scripts(Path(folder), loans, token, api_key)
                run_mix(tool, base, paths, 3, database)  # warm-up
                print(f"running the mix with {workers} worker(s) for {args.seconds}s", flush=True)
                results[workers] = run_mix(tool, base, paths, args.seconds, database)
    report(results, args.seconds)


def report(results: dict[int, dict[str, object]], seconds: int) -> None:
    print(f"\nmixed workload, {seconds}s, wrk -t1 per route ({CONNECTIONS} connections)")
    print(f"{'route':<32}{'workers':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    totals = {}
    for workers, result in results.items():
        routes: dict[str, dict[str, float]] = result["routes"]  # type: ignore[assignment]
        for name, label in ROUTES.items():
            f = routes[name]
            print(f"{label:<32}{workers:>8}{f['rps']:>9.0f}{f['p50_ms']:>9.1f}{f['p99_ms']:>9.1f}{f['errors']:>8.0f}")
        totals[workers] = sum(f["rps"] for f in routes.values())
        print(
            f"{'all four':<32}{workers:>8}{totals[workers]:>9.0f}   CPU: service {result['service_cpu']:.2f}"
            f" cores, PostgreSQL {result['database_cpu']:.2f} cores (machine load {result['machine_load']:.1f})"
        )
    if 1 in totals and 2 in totals:
        print(f"2 workers / 1 worker: {totals[2] / totals[1]:.2f} (total req/s)")
        for name, label in ROUTES.items():
            one = results[1]["routes"][name]["rps"]  # type: ignore[index]
            two = results[2]["routes"][name]["rps"]  # type: ignore[index]
            print(f"  {label}: {two / one:.2f}")


if __name__ == "__main__":
    main()
