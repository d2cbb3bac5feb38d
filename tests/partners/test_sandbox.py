"""A partner's sandbox: a test-mode key makes and sees test data only, never linked to a real person,
hidden from live keys and (unless asked for) from staff lists, and its webhooks go out signed like
live ones (issue 14, item 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.origination.test_scenario import step
from tests.partners.journey import Journey, referral_body
from tests.partners.receiver import Receiver, running_receiver
from tests.partners.test_feed import poll
from tests.partners.test_webhooks import deliver, register


async def sandbox_key(client: AsyncTestClient[Litestar], admin: Caller, live: Caller) -> Caller:
    made = await step(
        await client.post(
            f"/v1/partners/{live.id}/api-keys", json={"label": "sandbox", "mode": "test"}, headers=admin.headers
        ),
        201,
    )
    assert made["key"]["mode"] == "test"
    return Caller("sandbox", {"X-API-Key": made["secret"]}, live.id)


async def test_a_sandbox_key_sees_and_makes_test_data_only_and_gets_its_webhooks_like_live(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    admin: Caller,
    officer: Caller,
) -> None:
    live = await sign_in_partner(client, uow_factory, "agency")
    sandbox = await sandbox_key(client, admin, live)
    real, made_up = Journey(client, admin, officer), Journey(client, admin, officer)
    await real.referred_by(live, referral_body(email="same@example.org", reference="LIVE-1"))
    # The same address in the sandbox: a made-up person of its own, never the real one.
    await made_up.referred_by(sandbox, referral_body(email="same@example.org", reference="TEST-1"), key="sandbox")
    assert made_up.applicant_id != real.applicant_id

    listed = await step(
        await client.get("/v1/applicants", params={"email": "same@example.org"}, headers=officer.headers)
    )
    assert [a["id"] for a in listed["items"]] == [real.applicant_id]
    everyone = await step(
        await client.get(
            "/v1/applicants", params={"email": "same@example.org", "include_test": "true"}, headers=officer.headers
        )
    )
    assert {a["id"]: a["test"] for a in everyone["items"]} == {real.applicant_id: False, made_up.applicant_id: True}

    for key, own, other in ((live, real, made_up), (sandbox, made_up, real)):
        referrals = await step(await client.get("/v1/referrals", headers=key.headers))
        assert [r["id"] for r in referrals["items"]] == [own.referral_id]
        assert (await client.get(f"/v1/referrals/{other.referral_id}", headers=key.headers)).status_code == 404
        outcomes = await step(await client.get("/v1/partner/referrals", headers=key.headers))
        assert [o["referral_id"] for o in outcomes["items"]] == [own.referral_id]
        assert (await client.get(f"/v1/partner/referrals/{other.referral_id}", headers=key.headers)).status_code == 404
        withdrawal = f"/v1/partner/referrals/{other.referral_id}/consent-withdrawal"
        assert (await client.post(withdrawal, headers=key.headers)).status_code == 404

    with running_receiver(Receiver()) as live_hooks, running_receiver(Receiver()) as test_hooks:
        live_hooks.secrets = [(await register(client, live, live_hooks.url))["secret"]]
        test_hooks.secrets = [(await register(client, sandbox, test_hooks.url))["secret"]]
        assert len((await step(await client.get("/v1/partner/webhooks", headers=sandbox.headers)))["items"]) == 1
        await made_up.contacted()
        await deliver(engine, datetime.now(UTC) + timedelta(seconds=1))
        assert live_hooks.received == []
        [pushed] = test_hooks.verified()
        assert pushed.payload["data"]["test"] is True and pushed.payload["data"]["partner_reference"] == "TEST-1"
        await real.contacted()
        await deliver(engine, datetime.now(UTC) + timedelta(seconds=2))
        assert [d.payload["data"]["partner_reference"] for d in live_hooks.verified()] == ["LIVE-1"]
        assert len(test_hooks.received) == 1

    assert [e["partner_reference"] for e in (await poll(client, sandbox, "0"))["items"]] == ["TEST-1"]
    assert [e["partner_reference"] for e in (await poll(client, live, "0"))["items"]] == ["LIVE-1"]


async def test_staff_lists_of_applications_and_loans_leave_sandbox_files_out_unless_asked(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    live = await sign_in_partner(client, uow_factory, "agency")
    sandbox = await sandbox_key(client, admin, live)
    made_up = Journey(client, admin, officer)
    await made_up.referred_by(sandbox, referral_body(email="made-up@example.org"), key="sandbox")
    await made_up.contacted()
    await made_up.trained()
    await made_up.at_committee(business_started=lender_today())
    await made_up.decided("approve")
    await made_up.disbursed()

    for url in ("/v1/applications", "/v1/loans"):
        hidden = await step(await client.get(url, headers=officer.headers))
        assert hidden["items"] == [], url
        shown = await step(await client.get(url, params={"include_test": "true"}, headers=officer.headers))
        assert [item["applicant_id"] for item in shown["items"]] == [made_up.applicant_id], url
