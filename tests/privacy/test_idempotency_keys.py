"""Replies stored for Idempotency-Key replays: each names the person it is about, so that an
erasure deletes that person's by an index (no scan of every reply's text), and the nightly
retention run purges them by age, batch by batch, while a recent key still replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.privacy.handlers import run_retention
from service.privacy.repositories import SqlPersonRecords
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today
from tests.loans import make_loan
from tests.origination.test_scenario import step
from tests.privacy.path import PERSON, Client, whole_path

# A bank transfer's reference as banks write it: the payer's name and address, no id of ours.
TRANSFER_REFERENCE = "VIR KOUYATE FATOUMATA fatoumata.kouyate@example.org"


async def pay(client: Client, officer: Caller, loan_id: Any, key: str, **extra: str) -> Any:
    body = {
        "amount": {"amount": "10.00", "currency": "EUR"},
        "value_date": lender_today().isoformat(),
        "channel": "transfer",
        **extra,
    }
    return await client.post(
        f"/v1/loans/{loan_id}/payments", json=body, headers={**officer.headers, "Idempotency-Key": key}
    )


async def stored_replies(engine: AsyncEngine, where: str = "true", **params: Any) -> list[Any]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(f"SELECT key, subject_id, CAST(result AS text) AS reply FROM idempotency_keys WHERE {where}"), params
        )
        return list(rows)


async def test_an_erasure_deletes_every_stored_reply_about_the_person_and_no_one_elses(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)  # referral, disbursement, repayment: keyed
    await step(await pay(client, officer, path.loan_id, "transfer-ref", external_reference=TRANSFER_REFERENCE), 201)
    assert officer.id is not None
    other = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=lender_today() - timedelta(days=40))
    await step(await pay(client, officer, other.id, "someone-else"), 201)

    theirs = await stored_replies(engine, "subject_id = :person", person=path.applicant_id)
    assert len(theirs) == 4  # the referral, the disbursement, the repayment and the transfer
    assert any("KOUYATE FATOUMATA" in r.reply and PERSON["email"] in r.reply for r in theirs)

    await step(await client.post(f"/v1/privacy/persons/{path.applicant_id}/erasure", headers=admin.headers))

    left = await stored_replies(engine)
    assert [(r.key, r.subject_id) for r in left] == [("someone-else", other.applicant_id)]
    about_them = [PERSON["email"], "KOUYATE", path.applicant_id, path.referral_id, path.loan_id]
    assert not [r for r in left for value in about_them if value.lower() in r.reply.lower()]


async def test_old_keys_are_purged_in_batches_by_the_retention_run_and_a_recent_one_still_replays(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, settings: Settings
) -> None:
    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=lender_today() - timedelta(days=40))
    receipts = {key: await step(await pay(client, officer, loan.id, key), 201) for key in ("a", "b", "c", "d")}
    window = settings.retention_policy.idempotency_hours
    async with engine.begin() as connection:
        for key, hours in (("a", window + 30), ("b", window + 1), ("c", window - 1)):
            await connection.execute(
                text("UPDATE idempotency_keys SET created_at = now() - make_interval(hours => :h) WHERE key = :k"),
                {"h": hours, "k": key},
            )

    report = await run_retention(
        records=SqlPersonRecords(engine),
        policy=settings.retention_policy,
        today=lender_today(),
        now=datetime.now(UTC),
        batch=1,  # one key per transaction: the batches follow each other until none is left
    )

    assert report.counts["idempotency_keys_purged"] == 2
    assert sorted(r.key for r in await stored_replies(engine)) == ["c", "d"]
    async with engine.connect() as connection:
        recorded = await connection.scalar(
            text("SELECT counts FROM privacy_retention_runs WHERE id = :id"), {"id": report.run_id}
        )
    assert recorded["idempotency_keys_purged"] == 2
    for key in ("c", "d"):  # within the window: the same answer, no second payment
        assert await step(await pay(client, officer, loan.id, key), 201) == receipts[key]
    schedule = await step(await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers))
    assert len([t for t in schedule["transactions"] if t["kind"] == "payment"]) == 4
    again = await run_retention(
        records=SqlPersonRecords(engine), policy=settings.retention_policy, today=lender_today(), now=datetime.now(UTC)
    )
    assert again.counts["idempotency_keys_purged"] == 0
