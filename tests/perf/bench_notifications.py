"""Benchmark: 10,000 due-date reminders from the notice outbox to a real SMTP server, two worker
processes delivering at once (issue 6: under 30 s).

The notices are written by the planner's persistence port (one statement), then two processes
each run ``deliver_due_notices`` (``--lanes`` connections each) against an aiosmtpd server in
this process. Every notice must arrive exactly once and be recorded as sent.

    uv run python -m tests.perf.bench_notifications [--notices 10000] [--lanes 8]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import time
from collections import Counter
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from domain.ids import new_id
from domain.money import money
from domain.notifications import Channel, DueDateReminder, Notice, QuietWindow, RetryPolicy, due_date_reminder_key
from service.notifications.channels import SmtpConfig, SmtpEmailChannel, SmtpSecurity
from service.notifications.handlers import deliver_due_notices
from service.notifications.ports import PlannedNotice, RecipientKind
from service.notifications.read import SqlNoticeOutbox, SqlNoticePlanning
from tests.notifications.channels.test_smtp_email import free_port

_MESSAGE_ID = re.compile(rb"^Message-ID: <([^>]+)>", re.MULTILINE | re.IGNORECASE)
NEVER_QUIET = QuietWindow(clock(0), clock(0), ZoneInfo("Europe/Paris"))


class Sink:
    """Accepts every message and keeps only its Message-ID."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _MESSAGE_ID.search(envelope.content)
        self.ids.append(found.group(1).decode() if found else "")
        return "250 OK"


async def seed(database_url: str, count: int) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE notices"))
        await connection.execute(text("DELETE FROM borrowers WHERE email LIKE 'bench-%'"))
        await connection.execute(
            text(
                "INSERT INTO borrowers (id, full_name, email, language, notification_channels)"
                " SELECT gen_random_uuid(), 'Bench ' || g, 'bench-' || g || '@example.org',"
                " CASE WHEN g % 2 = 0 THEN 'fr' ELSE 'en' END, ARRAY['email']"
                " FROM generate_series(1, :n) AS g"
            ),
            {"n": count},
        )
        borrowers = (await connection.execute(text("SELECT id FROM borrowers WHERE email LIKE 'bench-%'"))).scalars()
        ids = list(borrowers)
    due = date(2026, 3, 15)
    planned = []
    for borrower_id in ids:
        loan_id = new_id()
        content = DueDateReminder(
            loan_reference=loan_id.hex[:8].upper(),
            installment_number=2,
            due_date=due,
            amount_due=money("256.41", "EUR"),
        )
        notice = Notice(
            recipient_id=borrower_id,
            event_key=due_date_reminder_key(loan_id, 2, due),
            channel=Channel.EMAIL,
            content=content,
        )
        planned.append(PlannedNotice(recipient_kind=RecipientKind.BORROWER, notice=notice))
    started = time.perf_counter()
    written = await SqlNoticePlanning(engine).add(planned)
    print(f"outbox: {written} notices written in {time.perf_counter() - started:.2f} s (one statement)")
    await engine.dispose()


def worker(database_url: str, smtp_port: int, lanes: int, ready: Any, go: Any, results: Any) -> None:
    async def run() -> None:
        engine = create_async_engine(database_url, pool_size=lanes + 2)
        channel = SmtpEmailChannel(
            SmtpConfig(host="127.0.0.1", port=smtp_port, security=SmtpSecurity.NONE, from_address="bench@example.org")
        )
        async with engine.connect() as connection:  # warm the pool's first connection
            await connection.execute(text("SELECT 1"))
        ready.set()
        go.wait()
        report = await deliver_due_notices(
            outbox=SqlNoticeOutbox(engine),
            channels={Channel.EMAIL: channel},
            now=lambda: datetime.now(UTC),
            quiet=NEVER_QUIET,
            retry=RetryPolicy(),
            lanes=lanes,
        )
        results.put((os.getpid(), report.sent, report.handled))
        await engine.dispose()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--lanes", type=int, default=8, help="concurrent deliveries per process")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PYTEST_XDIST_WORKER", "bench-notify")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    from tests.servers import running_servers

    with running_servers() as servers:
        url = servers.database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        asyncio.run(seed(url, args.notices))
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        context = multiprocessing.get_context("spawn")
        ready = [context.Event() for _ in range(args.processes)]
        go = context.Event()
        results = context.Queue()
        processes = [
            context.Process(target=worker, args=(url, controller.port, args.lanes, r, go, results)) for r in ready
        ]
        for p in processes:
            p.start()
        for r in ready:
            r.wait()
        started = time.perf_counter()
        go.set()
        reports = [results.get() for _ in processes]
        elapsed = time.perf_counter() - started
        for p in processes:
            p.join()
        controller.stop()

        async def statuses() -> Counter[str]:
            engine = create_async_engine(url)
            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT status, count(*) FROM notices GROUP BY status"))
                counted = Counter({r[0]: int(r[1]) for r in rows})
            await engine.dispose()
            return counted

        counted = asyncio.run(statuses())
    per_process = ", ".join(f"{sent}" for _, sent, _ in reports)
    duplicates = sum(n - 1 for n in Counter(sink.ids).values() if n > 1)
    print(f"{args.processes} processes x {args.lanes} lanes: sent per process {per_process}")
    distinct = len(set(sink.ids))
    print(f"delivered {len(sink.ids)} e-mails ({distinct} distinct, {duplicates} duplicates); rows {dict(counted)}")
    print(f"{elapsed:.2f} s, {len(sink.ids) / elapsed:,.0f} notices/s (target: 10,000 in under 30 s)")
    assert len(set(sink.ids)) == args.notices and duplicates == 0 and counted == {"sent": args.notices}


if __name__ == "__main__":
    main()
