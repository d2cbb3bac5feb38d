"""`make run`: embedded servers when no URLs are given, migrations, demo data, API and worker.

Ctrl-C (or SIGTERM) stops the API, the worker and the embedded servers, leaving no process behind.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from service.settings import SettingsError, load_settings
from tools.demo import DEMO_KEY_FILE, Banner, read_demo_key
from tools.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / ".local"
DEV_DATABASE = "microcredit"


async def ensure_database(server_url: str, name: str) -> None:
    """Create database ``name`` on the server if it does not exist yet."""
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        if not await connection.fetchval("select 1 from pg_database where datname = $1", name):
            await connection.execute(f'create database "{name}"')
    finally:
        await connection.close()


def api_command() -> list[str]:
    """The API server as deploy/Dockerfile runs it (``python -m service serve``: uvicorn from the
    settings, no ``Server`` header, forwarded headers only from the configured proxies)."""
    return [sys.executable, "-m", "service", "serve"]


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _running_postgres_port(data_dir: Path) -> int | None:
    """The port of a server already running on ``data_dir`` (``make run`` in another terminal),
    read from its ``postmaster.pid`` (fourth line), if it answers there."""
    try:
        port = int((data_dir / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, IndexError, ValueError):
        return None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return port
    except OSError:
        return None


@contextmanager
def embedded_servers(env: dict[str, str], *, redis_needed: bool = True) -> Iterator[dict[str, str]]:
    """What `make run` and the operations commands run on: the servers named by DATABASE_URL and
    REDIS_URL, or else the embedded ones of ``.local`` (started here and stopped on leaving, or
    the PostgreSQL a running `make run` already serves). Yields ``env`` with both URLs set; a
    command that uses no Redis gets a placeholder URL rather than a second server on its folder."""
    env = dict(env)
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    try:
        if not env.get("DATABASE_URL"):
            running = _running_postgres_port(LOCAL / "pg")
            if running is not None:
                server_url = EmbeddedPostgres(LOCAL / "pg", running).url
                print(f"embedded PostgreSQL already running on 127.0.0.1:{running}")
            else:
                postgres = EmbeddedPostgres(LOCAL / "pg", free_port(55432))
                postgres.start()
                server_url = postgres.url
                print(f"embedded PostgreSQL on 127.0.0.1:{postgres.port} (data in {postgres.data_dir})")
            asyncio.run(ensure_database(server_url, DEV_DATABASE))
            env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + f"/{DEV_DATABASE}"
        if not env.get("REDIS_URL") and not redis_needed:
            env["REDIS_URL"] = "redis://unused"
        elif not env.get("REDIS_URL"):
            redis = EmbeddedRedis(LOCAL / "redis", free_port(56379), persist=True)
            redis.start()
            env["REDIS_URL"] = redis.url
            print(f"embedded Redis on 127.0.0.1:{redis.port}")
        yield env
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()


def run_dev() -> int:
    children: list[subprocess.Popen[bytes]] = []
    stopping = {"flag": False}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with embedded_servers(dict(os.environ)) as env:
            try:
                try:
                    settings = load_settings(env)
                except SettingsError as error:
                    print(f"configuration error: {error}", file=sys.stderr)
                    return 2
                python = sys.executable
                subprocess.run([python, "-m", "service", "migrate"], env=env, check=True, cwd=ROOT)
                subprocess.run([python, "-m", "tools", "seed-demo"], env=env, check=True, cwd=ROOT)
                children.append(subprocess.Popen(api_command(), env=env, cwd=ROOT))
                children.append(subprocess.Popen([python, "-m", "service.worker"], env=env, cwd=ROOT))
                kept = read_demo_key(DEMO_KEY_FILE)
                partner_key = kept.secret if kept else "(none: see the seed-demo output above)"
                print(Banner(f"http://{settings.host}:{settings.port}", partner_key).text(), flush=True)
                while not stopping["flag"] and all(child.poll() is None for child in children):
                    time.sleep(0.2)
                failed = [c for c in children if c.poll() not in (None, 0)]
                return 1 if failed and not stopping["flag"] else 0
            finally:
                # The children go before the servers they use (stopped on leaving the with block).
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                _stop_children(children)
    except subprocess.CalledProcessError as error:
        print(f"start-up step failed: {' '.join(map(str, error.cmd))}", file=sys.stderr)
        return 1
    finally:
        print("stopped")
