"""Issue 14's "done when", played as a partner would over HTTP: register a webhook, refer a person
with its own reference, receive signed events as the person trains, is approved, receives the loan
and has the business reported active at 12 months; read the same history from the feed; a second
partner sees none of it."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from service.partners.jobs import deliver_webhooks
from service.partners.sender import HttpWebhookSender, standard_signature
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory, job_resources
from tests.conftest import Caller, sign_in_partner
from tests.origination.test_scenario import step
from tests.partners.journey import MILESTONES_OF_A_FULL_PATH, Journey, full_path, referral_body
from tests.partners.receiver import Receiver, running_receiver
from tests.partners.test_feed import poll
from tests.partners.test_webhooks import register


async def test_a_partner_follows_its_referral_by_webhook_and_feed_and_another_sees_nothing(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    admin: Caller,
    officer: Caller,
) -> None:
    partner = await sign_in_partner(client, uow_factory, "france-travail")
    second = await sign_in_partner(client, uow_factory, "mission-locale")
    worker_ctx = {
        "settings": settings,
        **job_resources(engine),
        "webhook_sender": HttpWebhookSender(timeout=settings.webhook_timeout_seconds, allow_private=True),
        "webhook_signer": standard_signature,
    }
    with running_receiver(Receiver()) as receiver, running_receiver(Receiver()) as second_receiver:
        receiver.secrets = [(await register(client, partner, receiver.url))["secret"]]
        second_receiver.secrets = [(await register(client, second, second_receiver.url))["secret"]]

        journey = Journey(client, admin, officer)
        await full_path(
            journey, partner, referral_body(email="scenario@example.org", reference="FT-75-000123", share_amount=True)
        )
        assert await deliver_webhooks(worker_ctx) == len(MILESTONES_OF_A_FULL_PATH)  # the arq task

    # Every event arrived signed (verified by the receiver with standardwebhooks), about this referral.
    assert len(receiver.verified()) == len(receiver.received) == len(MILESTONES_OF_A_FULL_PATH)
    pushed = sorted((d.payload["data"] for d in receiver.received), key=lambda e: int(e["position"]))
    assert [e["type"] for e in pushed] == MILESTONES_OF_A_FULL_PATH
    assert {e["partner_reference"] for e in pushed} == {"FT-75-000123"}
    assert {e["referral_id"] for e in pushed} == {journey.referral_id}
    assert pushed[5]["data"] == {"loan_amount": {"amount": "6000.00", "currency": "EUR"}}  # consented
    assert pushed[6]["data"] == {"months": 12, "business_status": "active"}

    # The same history from the feed: the same events, ids and order.
    feed = await poll(client, partner, "0")
    assert feed["items"] == pushed
    assert (await poll(client, partner, feed["next_cursor"]))["items"] == []
    by_reference = await step(
        await client.get("/v1/partner/referrals", params={"partner_reference": "FT-75-000123"}, headers=partner.headers)
    )
    assert [m["type"] for m in by_reference["items"][0]["milestones"]] == MILESTONES_OF_A_FULL_PATH

    # The second partner: nothing pushed, nothing in its feed, its outcomes or figures, a 404 on the referral.
    assert second_receiver.received == []
    assert (await poll(client, second, "0"))["items"] == []
    assert (await step(await client.get("/v1/partner/referrals", headers=second.headers)))["items"] == []
    assert (await step(await client.get("/v1/partner/outcome-figures", headers=second.headers))) == []
    stranger = await client.get(f"/v1/partner/referrals/{journey.referral_id}", headers=second.headers)
    assert stranger.status_code == 404
