"""The referral consent, shown with its date; withdrawn, nothing more is shared with the partner."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from service.kernel.db.engine import create_engine
from service.privacy.handlers import sharing_allowed
from service.privacy.repositories import SqlConsents
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Clock, sign_in_partner
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import step
from tests.privacy.path import Client


async def test_a_withdrawn_consent_stops_sharing_from_then_on(
    client: Client, admin: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings, clock: Clock
) -> None:
    partner = await sign_in_partner(client, uow_factory, "france-travail")
    referral = await step(await refer(client, partner, REFERRAL, "consent"), 201)
    url = f"/v1/privacy/referrals/{referral['id']}/consent"
    consent = await step(await client.get(url, headers=admin.headers))
    assert (consent["given_on"], consent["withdrawn_at"], consent["sharing_allowed"]) == ("2026-11-02", None, True)

    withdrawn_at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    clock.moment = withdrawn_at
    withdrawn = await step(await client.post(f"{url}/withdrawal", headers=admin.headers))
    assert withdrawn["withdrawn_at"] == "2026-11-20T09:30:00Z" and not withdrawn["sharing_allowed"]
    clock.moment = withdrawn_at + timedelta(days=3)
    again = await step(await client.post(f"{url}/withdrawal", headers=admin.headers))
    assert again["withdrawn_at"] == withdrawn["withdrawn_at"]  # the first withdrawal counts

    engine = create_engine(settings)
    try:
        consents = SqlConsents(engine)
        referral_id = uuid.UUID(referral["id"])
        assert await sharing_allowed(referral_id, consents=consents, at=withdrawn_at - timedelta(seconds=1))
        assert not await sharing_allowed(referral_id, consents=consents, at=withdrawn_at)
        assert not await sharing_allowed(uuid.uuid4(), consents=consents, at=withdrawn_at)
    finally:
        await engine.dispose()
    assert (await client.get(f"/v1/privacy/referrals/{uuid.uuid4()}/consent", headers=admin.headers)).status_code == 404
