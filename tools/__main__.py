"""The developer's commands: ``python -m tools <command>``.

``dev`` (embedded servers, migrations, demo data, API and worker: what `make run` runs),
``seed-demo`` (demo data, once), ``close-of-business [--date YYYY-MM-DD]`` (the service's command,
on the embedded servers of `make run` unless DATABASE_URL is set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date

from domain.errors import DomainError
from service.cli import close_of_business, migrate
from service.cli import main as service_main
from service.settings import SettingsError, load_settings


def _close_of_business_on_embedded_servers(business_date: date | None) -> int:
    """The close of business on the servers `make run` uses (started for it unless running)."""
    from tools.run import embedded_servers

    with embedded_servers(dict(os.environ), redis_needed=False) as env:
        settings = load_settings(env)
        migrate(settings.database_url)
        try:
            asyncio.run(close_of_business(settings, business_date))
        except DomainError as error:  # a refused date is an answer, not a crash: no traceback
            print(f"error: {error.message}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="run everything for development (what `make run` does)")
    sub.add_parser("seed-demo", help="load demo data (once)")
    cob = sub.add_parser("close-of-business", help="the close of business, on the embedded servers by default")
    cob.add_argument("--date", type=date.fromisoformat, help="a business date that is over, YYYY-MM-DD")
    args = parser.parse_args(argv)
    if args.command == "dev":
        from tools.run import run_dev

        return run_dev()
    if args.command == "close-of-business":
        if os.environ.get("DATABASE_URL"):
            return service_main(["close-of-business", *(["--date", args.date.isoformat()] if args.date else [])])
        return _close_of_business_on_embedded_servers(args.date)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    from tools.demo import DEMO_KEY_FILE, seed_demo, seed_summary

    print(seed_summary(asyncio.run(seed_demo(settings, DEMO_KEY_FILE))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
