"""The referral consent, shown with its date; withdrawn (through the partners context, the one place
it is recorded), nothing more is shared with the partner from then on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Clock, sign_in_partner
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import step
from tests.privacy.path import Client


async def test_a_withdrawn_consent_stops_sharing_from_then_on_and_privacy_shows_it(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, clock: Clock
) -> None:
    partner = await sign_in_partner(client, uow_factory, "france-travail")
    body = {**REFERRAL, "consent": {**REFERRAL["consent"], "share_loan_amount": True, "text_version": "FT-2026-01"}}
    referral = await step(await refer(client, partner, body, "consent"), 201)
    url = f"/v1/privacy/referrals/{referral['id']}/consent"
    consent = await step(await client.get(url, headers=admin.headers))
    assert (consent["given_on"], consent["withdrawn_at"], consent["withdrawn_by"]) == ("2026-11-02", None, None)
    assert consent["sharing_allowed"] and consent["share_loan_amount"] and consent["text_version"] == "FT-2026-01"
    plain = await step(
        await refer(
            client,
            partner,
            {**REFERRAL, "person": {**REFERRAL["person"], "email": "b@x.org", "phone": "0699999999"}},
            "plain",
        ),
        201,
    )
    without = await step(await client.get(f"/v1/privacy/referrals/{plain['id']}/consent", headers=admin.headers))
    assert without["text_version"] is None

    withdrawn_at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    clock.moment = withdrawn_at
    withdrawal = f"/v1/partner/referrals/{referral['id']}/consent-withdrawal"
    await step(await client.post(withdrawal, headers=officer.headers))
    clock.moment = withdrawn_at + timedelta(days=3)
    await step(await client.post(withdrawal, headers=partner.headers))  # the first withdrawal counts
    withdrawn = await step(await client.get(url, headers=admin.headers))
    assert withdrawn["withdrawn_at"] == "2026-11-20T09:30:00Z" and not withdrawn["sharing_allowed"]
    assert withdrawn["withdrawn_by"] == str(officer.id)
    outcome = await step(await client.get(f"/v1/partner/referrals/{referral['id']}", headers=partner.headers))
    assert outcome["consent_withdrawn"] is True and outcome["milestones"] == []

    assert (await client.get(f"/v1/privacy/referrals/{uuid.uuid4()}/consent", headers=admin.headers)).status_code == 404
    gone = await client.post(f"/v1/privacy/referrals/{referral['id']}/consent/withdrawal", headers=admin.headers)
    assert gone.status_code in (404, 405)  # one place to withdraw: the partners context
