"""Erasure on request (refused while a legal period runs) and the retention of refused files."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from domain.privacy.retention import add_months
from service.kernel.db.engine import create_engine
from service.privacy.handlers import run_retention
from service.privacy.repositories import SqlPersonRecords
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.loans import make_loan
from tests.origination.test_referrals import REFERRAL, refer, referred_applicant
from tests.origination.test_scenario import step
from tests.privacy.path import Client
from tests.ui.pages import sign_in_page


async def walk_in(client: Client, officer: Caller, name: str = "Awa Traoré") -> dict[str, Any]:
    body = {"full_name": name, "email": f"{uuid.uuid4().hex[:8]}@example.org", "situation": "job_seeker"}
    return await step(await client.post("/v1/applicants", headers=officer.headers, json=body), 201)


async def test_erasure_is_refused_while_a_loan_runs_or_a_dispute_is_open_and_done_otherwise(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=lender_today() - timedelta(days=40))
    running = await client.post(f"/v1/privacy/persons/{loan.applicant_id}/erasure", headers=admin.headers)
    assert running.status_code == 409 and running.json()["code"] == "privacy.loan_active"
    assert "prêt" in running.json()["detail"]

    person = await walk_in(client, officer)
    url = f"/v1/privacy/persons/{person['id']}"
    await step(await client.put(f"{url}/hold", headers=admin.headers, json={"dispute_open": True}))
    disputed = await client.post(f"{url}/erasure", headers={**admin.headers, "Accept-Language": "en"})
    assert disputed.status_code == 409 and disputed.json()["code"] == "privacy.dispute_open"
    assert (await step(await client.get(f"/v1/applicants/{person['id']}", headers=officer.headers)))["full_name"]

    await step(await client.put(f"{url}/hold", headers=admin.headers, json={"dispute_open": False}))
    assert (await step(await client.post(f"{url}/erasure", headers=admin.headers))) == {
        "applicant_id": person["id"],
        "erased": True,
    }
    again = await client.post(f"{url}/erasure", headers=admin.headers)
    assert again.status_code == 200  # nothing left to erase: the same answer
    assert (await client.get(f"{url}/export", headers=admin.headers)).status_code == 404
    found = await step(await client.get("/v1/applicants?name=Traor", headers=officer.headers))
    assert found["items"] == []
    unknown = await client.post(f"/v1/privacy/persons/{uuid.uuid4()}/erasure", headers=admin.headers)
    assert unknown.status_code == 404


async def test_erasure_cancels_waiting_notices_forgets_replays_and_stops_sharing(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    partner = await sign_in_partner(client, uow_factory, "cap-emploi")
    referral = await step(await refer(client, partner, REFERRAL, "erase-me"), 201)
    applicant_id = uuid.UUID(await referred_applicant(client, officer, referral["id"]))
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            for status in ("pending", "sent"):
                await connection.execute(
                    text("""INSERT INTO notices
                                (id, recipient_kind, recipient_id, channel, event_key, kind, payload, status)
                            VALUES (:id, 'applicant', :person, 'email', :key, 'training_starting', '{}', :status)"""),
                    {"id": uuid.uuid4(), "person": applicant_id, "key": f"k-{status}", "status": status},
                )
        remembered = "SELECT count(*) FROM idempotency_keys WHERE CAST(result AS text) LIKE :id"
        async with engine.connect() as connection:
            assert await connection.scalar(text(remembered), {"id": f"%{referral['id']}%"}) == 1
        consent = f"/v1/privacy/referrals/{referral['id']}/consent"
        assert (await step(await client.get(consent, headers=admin.headers)))["sharing_allowed"]
        await step(await client.post(f"/v1/privacy/persons/{applicant_id}/erasure", headers=admin.headers))
        async with engine.connect() as connection:
            statuses = dict((await connection.execute(text("SELECT event_key, status FROM notices"))).all())
            replays = await connection.scalar(text(remembered), {"id": f"%{referral['id']}%"})
        assert statuses == {"k-pending": "skipped", "k-sent": "sent"}
        assert replays == 0
        assert not (await step(await client.get(consent, headers=admin.headers)))["sharing_allowed"]
    finally:
        await engine.dispose()


async def test_a_refused_file_is_erased_six_months_after_the_decision_unless_the_person_agreed_to_more(
    client: Client, admin: Caller, officer: Caller, settings: Settings
) -> None:
    declined = await walk_in(client, officer, "Refusée Un")
    longer = await walk_in(client, officer, "Refusée Deux")
    for person in (declined, longer):
        await step(
            await client.patch(
                f"/v1/applicants/{person['id']}",
                headers=officer.headers,
                json={"version": person["version"], "stage": "declined"},
            )
        )
    keep_until = add_months(date.today(), 9)
    await step(
        await client.put(
            f"/v1/privacy/persons/{longer['id']}/hold",
            headers=admin.headers,
            json={"dispute_open": False, "longer_retention_until": keep_until.isoformat()},
        )
    )
    decided = datetime.now(UTC).date()
    engine = create_engine(settings)
    try:
        records = SqlPersonRecords(engine)

        async def erased_on(day: date) -> int:
            report = await run_retention(
                records=records, policy=settings.retention_policy, today=day, now=datetime.now(UTC), batch=1
            )
            return report.counts["erase_identity"]

        assert await erased_on(add_months(decided, 6) - timedelta(days=1)) == 0
        assert await erased_on(add_months(decided, 6)) == 1
        assert (
            await client.get(f"/v1/privacy/persons/{declined['id']}/export", headers=admin.headers)
        ).status_code == 404
        assert (
            await client.get(f"/v1/privacy/persons/{longer['id']}/export", headers=admin.headers)
        ).status_code == 200
        assert await erased_on(keep_until) == 1
    finally:
        await engine.dispose()


async def test_an_erased_person_leaves_the_lists_and_pages_working(
    client: Client, admin: Caller, officer: Caller
) -> None:
    # Once erased (no e-mail, no phone), rebuilding the person failed the "contact required" rule:
    # the applicants list, the person and the officers' pipeline answered 422 for everybody.
    person = await walk_in(client, officer, name="Lina Erased")
    kept = await walk_in(client, officer, name="Noé Kept")
    await step(await client.post(f"/v1/privacy/persons/{person['id']}/erasure", headers=admin.headers))
    listed = await step(await client.get("/v1/applicants?limit=100", headers=officer.headers))
    assert kept["id"] in [a["id"] for a in listed["items"]]
    erased = await step(await client.get(f"/v1/applicants/{person['id']}", headers=officer.headers))
    assert erased["full_name"] == "" and erased["email"] is None and erased["phone"] is None
    await sign_in_page(client, "officer-user")
    assert (await client.get("/ui/pipeline")).status_code == 200
    assert (await client.get(f"/ui/people/{person['id']}")).status_code == 200
