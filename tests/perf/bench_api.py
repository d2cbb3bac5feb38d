"""HTTP benchmark: POST /v1/loan-quotes against GET /health/live on one uvicorn worker.

Run: `make bench` or `uv run python -m tests.perf.bench_api [--seconds 10] [--connections 64]`.
Both routes get the same load tool (wrk), threads, connections and duration, in the same run.
The quote limiter stays on with a limit no run reaches, so its Redis round trip is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.perf.servers import SERVER_PIDS, api_server, cpu_seconds, ensure_wrk
from tests.servers import running_servers
from tools.embedded import free_port

QUOTE = {
    "principal": {"amount": "10000.00", "currency": "EUR"},
    "annual_interest_rate": "7.45",
    "number_of_installments": 36,
    "disbursement_date": "2026-01-15",
    "first_due_date": "2026-02-15",
    "fees": [
        {"name": "solidarity contribution", "percent_of_principal": "5", "collection": "withheld_at_disbursement"}
    ],
}


def wrk(
    tool: str, url: str, seconds: int, connections: int, script: Path | None = None, *, threads: int = 2
) -> dict[str, float]:
    command = [tool, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "seconds": float(seconds),
        "rps": rps,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)],  # type: ignore[union-attr]
        "p50_ms": float(p50.group(1)) * scale[p50.group(2)],  # type: ignore[union-attr]
        "errors": float(non_2xx.group(1)) if non_2xx else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    tool = ensure_wrk()
    with (
        running_servers() as servers,
        api_server(
            servers, free_port(), QUOTES_RATE_LIMIT=os.environ.get("BENCH_QUOTES_RATE_LIMIT", "1000000000")
        ) as base,
        tempfile.TemporaryDirectory() as folder,
    ):
        script = Path(folder) / "quote.lua"
        body = json.dumps(QUOTE).replace("\\", "\\\\").replace('"', '\\"')
        script.write_text(
            f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = "{body}"\n'
        )
        pid = SERVER_PIDS[base]
        wrk(tool, f"{base}/health/live", 2, args.connections)  # warm-up
        live = measured(pid, lambda: wrk(tool, f"{base}/health/live", args.seconds, args.connections))
        quotes = measured(pid, lambda: wrk(tool, f"{base}/v1/loan-quotes", args.seconds, args.connections, script))
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, one uvicorn worker")
    print(f"{'route':<24}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}{'server CPU µs/req':>20}")
    for name, figures in (("GET /health/live", live), ("POST /v1/loan-quotes", quotes)):
        cpu = f"{figures['cpu_us']:.0f}" if figures["cpu_us"] else "n/a"
        print(f"{name:<24}{figures['rps']:>10.0f}{figures['p99_ms']:>10.1f}{figures['errors']:>10.0f}{cpu:>20}")
    print(f"quotes / live = {quotes['rps'] / live['rps']:.2f} (target >= 0.50)")
    if live["cpu_us"] and quotes["cpu_us"]:
        # On a shared machine requests/s move with the neighbours' load; CPU time per request less so.
        print(f"server CPU per request, live / quotes = {live['cpu_us'] / quotes['cpu_us']:.2f}")


def measured(pid: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """wrk's figures plus the server's CPU time (user + system) per request during the run."""
    before = cpu_seconds(pid)
    figures = run()
    after = cpu_seconds(pid)
    requests = figures["rps"] * figures["seconds"]
    cpu = (after - before) / requests * 1e6 if before is not None and after is not None and requests else 0.0
    return {**figures, "cpu_us": cpu}


if __name__ == "__main__":
    main()
