"""Issue 15's "done when": a person through the whole path is exported whole; past every retention
period the retention job leaves nothing of them in the database, while the ledger still balances
and the portfolio figures of past periods are the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.privacy.retention import add_months
from service.kernel.db.engine import create_engine
from service.privacy.handlers import run_retention
from service.privacy.repositories import SqlPersonRecords
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today
from tests.origination.test_scenario import step
from tests.privacy.path import PERSON, Client, Path, whole_path

TEXT_TYPES = ("text", "character varying", "character", "jsonb", "json", "ARRAY")


async def text_columns(engine: AsyncEngine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("""SELECT table_name, column_name FROM information_schema.columns
                    WHERE table_schema = 'public' AND data_type = ANY(:types) AND table_name <> 'alembic_version'"""),
            {"types": list(TEXT_TYPES)},
        )
        return [(r.table_name, r.column_name) for r in rows]


async def where_found(engine: AsyncEngine, values: list[str]) -> list[str]:
    """Every table.column whose text holds one of ``values`` (case-insensitive)."""
    found = []
    patterns = [f"%{v}%" for v in values]
    async with engine.connect() as connection:
        for table, column in await text_columns(engine):
            hit = await connection.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS text) ILIKE ANY(:p)'), {"p": patterns}
            )
            if hit:
                found.append(f"{table}.{column}")
    return found


async def ledger_state(engine: AsyncEngine) -> tuple[Any, ...]:
    async with engine.connect() as connection:
        unbalanced = await connection.scalar(
            text("""SELECT count(*) FROM (SELECT transaction_id, currency FROM ledger_entries
                    GROUP BY 1, 2 HAVING sum(amount) <> 0) t""")
        )
        rows = (
            await connection.execute(text("SELECT id, account, loan_id, amount FROM ledger_entries ORDER BY id"))
        ).all()
    return unbalanced, rows


async def partner_view(client: Client, path: Path) -> tuple[list[dict[str, Any]], int]:
    """What the referring partner reads of the person: its feed's events, and the milestones of the
    referral (as many as its webhooks carry)."""
    feed = await step(await client.get("/v1/partner/events", headers=path.partner.headers))
    about = [e for e in feed["items"] if e.get("referral_id") == path.referral_id]
    outcome = await step(await client.get(f"/v1/partner/referrals/{path.referral_id}", headers=path.partner.headers))
    return about, len(outcome["milestones"])


def export_text(export: dict[str, Any]) -> str:
    import json

    return json.dumps(export, ensure_ascii=False)


async def test_a_person_is_exported_whole_then_nothing_of_them_is_left_past_every_period(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)

    export = await step(await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers))
    dumped = export_text(export)
    missing = [name for name, value in PERSON.items() if value not in dumped]
    assert not missing, f"entered but not exported: {missing}"
    records = export["records"]
    assert records["loans"][0]["status"] == "closed" and records["enrolments"] and records["follow_up_contacts"]
    assert records["borrowers"] and records["referrals"][0]["consent_given_on"] == "2026-11-02"
    assert records["partner_referrals"][0]["share_loan_amount"] is True
    told = {e["type"] for e in records["partner_events"]}
    assert {"referral.approved", "referral.loan_disbursed"} <= told
    feed_before = await partner_view(client, path)
    assert feed_before[0] and feed_before[1] > 0  # the partner follows the person, by feed and webhook

    today = lender_today()
    period = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
    figures_url = "/v1/portfolio/indicators?group_by=product&from={from}&to={to}".format(**period)
    figures_before = await step(await client.get(figures_url, headers=admin.headers))
    engine = create_engine(settings)
    try:
        ledger_before = await ledger_state(engine)
        assert ledger_before[0] == 0
        assert "applicants.email" in await where_found(engine, [PERSON["email"]])  # the scan does find them
        records_store = SqlPersonRecords(engine)
        policy = settings.retention_policy

        async def retention_on(day: date) -> dict[str, int]:
            report = await run_retention(records=records_store, policy=policy, today=day, now=datetime.now(UTC))
            return report.counts

        # Just before five years after the loan closed: everything is kept.
        closed_on = date.fromisoformat(records["loans"][0]["closed_on"])
        kept = await retention_on(add_months(closed_on, 60) - timedelta(days=1))
        assert kept["erase_identity"] == 0 and kept["scrub_follow_up"] == 0
        assert PERSON["email"] in export_text(
            await step(await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers))
        )
        # Past every period (identity 5 years, follow-up 5 years, records 10 years after the close).
        done = await retention_on(add_months(closed_on, 120) + timedelta(days=1))
        assert done["erase_identity"] == 1
        again = await retention_on(add_months(closed_on, 120) + timedelta(days=2))
        assert again["erase_identity"] == 0 and again["scrub_follow_up"] == 0  # idempotent

        assert await partner_view(client, path) == ([], 0)  # nothing of them left in the partner's feeds
        async with engine.connect() as connection:
            undelivered = await connection.scalar(
                text("SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'failed')")
            )
            told_after = await connection.scalar(
                text("SELECT count(*) FROM partner_events WHERE referral_id = :r AND data <> '{}'::jsonb"),
                {"r": path.referral_id},
            )
        assert (undelivered, told_after) == (0, 0)
        found = await where_found(engine, [*PERSON.values(), "98 76 54 32"])
        assert not found, f"personal data left in {found}"
        ledger_after = await ledger_state(engine)
        assert ledger_after == ledger_before  # untouched, still balanced
        async with engine.connect() as connection:
            runs = (
                await connection.execute(text("SELECT counts FROM privacy_retention_runs ORDER BY started_at"))
            ).all()
        assert [r.counts["erase_identity"] for r in runs] == [0, 1, 0]
    finally:
        await engine.dispose()
    assert await step(await client.get(figures_url, headers=admin.headers)) == figures_before
    gone = await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers)
    assert gone.status_code == 404
    search = await step(await client.get("/v1/applicants?name=Kouyat", headers=officer.headers))
    assert search["items"] == []
