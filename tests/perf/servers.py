"""Servers for benchmarks: the same embedded (or external) PostgreSQL and Redis as the tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import ROOT, RunningServers

# The uvicorn process behind each base URL that api_server yields, for CPU accounting.
SERVER_PIDS: dict[str, int] = {}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), or None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ensure_wrk() -> str:
    """wrk from the machine, or from Debian's packages when we may install them."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("the API benchmark needs wrk (Debian/Ubuntu: apt-get install wrk)")
    return found


@contextmanager
def api_server(servers: RunningServers, port: int, *, workers: int = 1, **env: str) -> Iterator[str]:
    """``workers`` uvicorn worker processes (one by default, as in production: one per pod) serving
    the app; yields its base URL."""
    environment = {
        **os.environ,
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "production",
        "SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
        "LOG_LEVEL": "WARNING",
        **env,
    }
    # The server logs a line per request, to a file as in production (a terminal pipe would slow it).
    (ROOT / ".local").mkdir(exist_ok=True)
    log_file = (ROOT / ".local" / "bench-api.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "service.app:app_from_environment",
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            *(["--workers", str(workers)] if workers > 1 else []),
        ],
        env=environment,
        cwd=ROOT,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        SERVER_PIDS[base] = process.pid
        yield base
    finally:
        SERVER_PIDS.pop(f"http://127.0.0.1:{port}", None)
        process.terminate()
        process.wait(timeout=15)
        log_file.close()
