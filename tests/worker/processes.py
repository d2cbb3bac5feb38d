"""Real worker and API processes for the tests of issue 16 (single-run jobs, SIGTERM)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_SECRET_KEY
from tests.servers import ROOT, RunningServers


def environment(servers: RunningServers, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        **env,
    }


def start(command: list[str], servers: RunningServers, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """``python <command>`` in the repository with the test servers, its output into ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, *command], env=environment(servers, **env), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_for(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A process's metrics (``/metrics`` on ``port``): (sample name, labels) -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
