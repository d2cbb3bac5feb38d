"""In-process cost of the quote route against /health/live: the app alone, no HTTP server, no network.

Run: `uv run python -m tests.perf.profile_quote [--profile]`. It starts the same servers as the tests.
Useful to see where a request's time goes (`--profile` prints the top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
from typing import Any

from litestar.testing import AsyncTestClient

from service.app import create_app
from service.settings import load_settings
from tests.perf.bench_api import QUOTE
from tests.servers import RunningServers, running_servers


async def measure(servers: RunningServers, rate_limit: str, profile: bool) -> None:
    if True:
        settings = load_settings(
            {
                "DATABASE_URL": servers.database_url,
                "REDIS_URL": servers.redis_url,
                "QUOTES_RATE_LIMIT": rate_limit,
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
                "LOG_FORMAT": "json",
                "APP_ENV": "production",
                "SECRET_KEY": "x" * 40,
            }
        )
        app = create_app(settings)
        body = json.dumps(QUOTE).encode()

        async def call(path: str, method: str, payload: bytes) -> int:
            scope: dict[str, Any] = {
                "type": "http",
                "http_version": "1.1",
                "method": method,
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "scheme": "http",
                "client": ("127.0.0.1", 5000),
                "server": ("127.0.0.1", 80),
                "state": {},
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"host", b"bench"),
                ],
            }
            status = 0

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": payload, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(scope, receive, send)  # type: ignore[arg-type]
            return status

        async with AsyncTestClient(app=app):  # runs the lifespan (engine, Redis)
            assert await call("/v1/loan-quotes", "POST", body) == 200
            results = {}
            for name, path, method, payload in (
                ("GET /health/live", "/health/live", "GET", b""),
                ("POST /v1/loan-quotes", "/v1/loan-quotes", "POST", body),
            ):
                n = 3000
                started = time.perf_counter()
                for _ in range(n):
                    await call(path, method, payload)
                results[name] = (time.perf_counter() - started) / n * 1e6
            for name, micros in results.items():
                print(f"{name:<24}{micros:>8.0f} µs per request in-process")
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(2000):
                    await call("/v1/loan-quotes", "POST", body)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rate-limit", default="1000000000", help="QUOTES_RATE_LIMIT; 0 skips Redis")
    args = parser.parse_args()
    with running_servers() as servers:
        asyncio.run(measure(servers, args.rate_limit, args.profile))


if __name__ == "__main__":
    main()
