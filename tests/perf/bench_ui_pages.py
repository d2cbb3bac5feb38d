"""Server-side render time of every officers' page on the demo book (the issue asks < 100 ms at p95).

Loads `make run`'s demo book (tools.demo: a few hundred loans over two years, closes of business,
files at every stage, a training, follow-up) into a database of its own, signs in through the
sign-in form as the demo admin (who sees every page and action), and requests each page in
process (ASGI, no network): the time measured is the app's, from the request to the last byte of
the page (session, guards, use cases and PostgreSQL included). Prints p50 / p95 / max per page.

`uv run python -m tests.perf.bench_ui_pages [--loans N] [--runs N]` (embedded PostgreSQL and Redis
unless DATABASE_URL and REDIS_URL are set; the book takes about 45 s to load).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from litestar.testing import AsyncTestClient

from service.app import create_app
from service.logging import configure_logging
from service.settings import Settings, load_settings
from tests.perf.bench_close_of_business import ROOT, _with_database
from tools.demo import DEFAULT_LOANS, demo_password, seed_demo
from tools.embedded import EmbeddedPostgres, EmbeddedRedis, free_port, reset_folder

BUDGET_MS = 100.0
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


async def prepare_database(server_url: str, name: str = "ui_bench") -> str:
    import asyncpg

    connection = await asyncpg.connect(_with_database(server_url, "postgres"))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return _with_database(server_url, name)


async def sign_in(client: AsyncTestClient, username: str) -> None:  # type: ignore[type-arg]
    form = await client.get("/login")
    token = CSRF.search(form.text)
    assert token, "the sign-in page has no form token"
    answer = await client.post(
        "/login",
        data={"_csrf": token.group(1), "username": username, "password": demo_password(username), "next": "/ui/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _first(pattern: str, html: str) -> str:
    found = re.search(pattern, html)
    assert found, f"nothing matches {pattern!r}"
    return found.group(1)


async def pages(client: AsyncTestClient) -> dict[str, str]:  # type: ignore[type-arg]
    """Every page, with ids read from the pages themselves (the longest-lived loan, a session...)."""
    loans = (await client.get("/ui/loans?status=active")).text
    late = (await client.get("/ui/loans?arrears_bucket=over%2090")).text
    training = (await client.get("/ui/training")).text
    session = _first(r'href="(/ui/training/sessions/[0-9a-f-]{36})"', training)
    session_page = (await client.get(session)).text
    loan = _first(r'href="(/ui/loans/[0-9a-f-]{36})"', loans)
    application = _first(r'href="(/ui/applications/[0-9a-f-]{36})"', (await client.get(loan)).text)
    partners = (await client.get("/ui/admin/partners")).text
    people = (await client.get("/ui/people?q=martin")).text
    products = (await client.get("/ui/admin/products")).text
    return {
        "dashboard": "/ui/",
        "people search": "/ui/people?q=martin",
        "person": _first(r'href="(/ui/people/[0-9a-f-]{36})"', people),
        "pipeline": "/ui/pipeline",
        "quote": "/ui/quote",
        "loan list": "/ui/loans",
        "loan list, over 90": "/ui/loans?arrears_bucket=over%2090",
        "loan (oldest active)": loan,
        "loan (over 90 days late)": _first(r'href="(/ui/loans/[0-9a-f-]{36})"', late),
        "application": application,
        "training": "/ui/training",
        "training session": session,
        "attendance sheet": _first(r'href="(/ui/training/sessions/[^"]+/attendance/[0-9-]{10})"', session_page),
        "admin": "/ui/admin",
        "staff users": "/ui/admin/staff",
        "partners": "/ui/admin/partners",
        "partner": _first(r'href="(/ui/admin/partners/[0-9a-f-]{36})"', partners),
        "products": "/ui/admin/products",
        "product": _first(r'href="(/ui/admin/products/[0-9a-f-]{36})"', products),
        "legal data": "/ui/admin/legal",
        "failed notices": "/ui/admin/notices",
    }


async def measure(settings: Settings, runs: int) -> list[tuple[str, float, float, float]]:
    app = create_app(settings)
    results = []
    async with AsyncTestClient(app=app) as client:
        await sign_in(client, "admin")
        for name, path in (await pages(client)).items():
            timings = []
            for attempt in range(runs + 3):  # three to warm up (caches, prepared statements)
                started = time.perf_counter()
                answer = await client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                assert answer.status_code == 200, f"{name} {path}: {answer.status_code}"
                if attempt >= 3:
                    timings.append(elapsed)
            timings.sort()
            p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
            results.append((name, statistics.median(timings), p95, timings[-1]))
    return results


def report(results: list[tuple[str, float, float, float]], runs: int) -> bool:
    print(
        f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f"  ({runs} requests each, budget p95 < {BUDGET_MS:.0f} ms)"
    )
    within = True
    for name, p50, p95, worst in results:
        flag = "" if p95 < BUDGET_MS else "  OVER BUDGET"
        within &= p95 < BUDGET_MS
        print(f"{name:<28} {p50:8.1f} {p95:8.1f} {worst:8.1f}{flag}")
    return within


async def run(database_url: str, redis_url: str, loans: int, runs: int) -> bool:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "APP_ENV": "development",
        "LOG_LEVEL": "WARNING",
        "SIGN_IN_RATE_LIMIT": "0",
    }
    settings = load_settings(env)
    configure_logging(json=False, level="WARNING")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        await seed_demo(settings, Path(folder) / "key.json", book_loans=loans)
    print(f"demo book of {loans} loans loaded in {time.monotonic() - started:.0f} s")
    return report(await measure(settings, runs), runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=DEFAULT_LOANS)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    server_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    try:
        if not server_url:
            folder = ROOT / ".local" / "bench-ui-pg"
            reset_folder(folder)
            postgres = EmbeddedPostgres(folder, free_port())
            postgres.start()
            server_url = postgres.url
        if not redis_url:
            redis = EmbeddedRedis(ROOT / ".local" / "bench-ui-redis", free_port())
            redis.start()
            redis_url = redis.url
        database_url = asyncio.run(prepare_database(server_url))
        from service.cli import migrate

        migrate(database_url)
        within = asyncio.run(run(database_url, redis_url, args.loans, args.runs))
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
            reset_folder(postgres.data_dir)
    raise SystemExit(0 if within else 1)


if __name__ == "__main__":
    main()
