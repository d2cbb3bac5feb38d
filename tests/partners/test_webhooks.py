"""Webhooks: signed Standard Webhooks deliveries from the outbox, verified by a local receiver with
the same library; retries with backoff, then failed, listed and resent; secret rotation with an
overlap; an endpoint failing again and again disabled and the partner told (issue 14, item 3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.partners.model import EventType
from domain.partners.webhooks import WEBHOOK_RETRY
from service.partners.handlers.webhooks import DeliveryReport, deliver_due_webhooks
from service.partners.read import SqlWebhookOutbox
from service.partners.sender import HttpWebhookSender, standard_signature
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.origination.test_scenario import step
from tests.partners.receiver import Receiver, running_receiver
from tests.partners.test_feed import poll, referred

DOWN = "http://127.0.0.1:9/hooks"  # the discard port: nothing listens there


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver(Receiver()) as running:
        yield running


async def register(
    client: AsyncTestClient[Litestar], partner: Caller, url: str, types: list[str] | None = None
) -> dict[str, Any]:
    return await step(
        await client.post(
            "/v1/partner/webhooks", json={"url": url, "event_types": types or []}, headers=partner.headers
        ),
        201,
    )


async def happened(uow_factory: SqlUnitOfWorkFactory, person: uuid.UUID, event: EventType) -> None:
    async with uow_factory() as uow:
        await uow.partner_events.record(person, event, on=lender_today(), at=datetime.now(UTC))
        await uow.commit()


async def deliver(
    engine: AsyncEngine, at: datetime, *, send_timeout: float = 2.0, disable_after: int = 5, allow_private: bool = True
) -> DeliveryReport:
    return await deliver_due_webhooks(
        outbox=SqlWebhookOutbox(engine),
        sender=HttpWebhookSender(timeout=send_timeout, allow_private=allow_private),
        sign=standard_signature,
        now=lambda: at,
        disable_after=disable_after,
        lanes=2,
    )


async def until_given_up(engine: AsyncEngine, start: datetime, **options: Any) -> list[DeliveryReport]:
    """Delivery runs at each retry time of the backoff until the delivery has failed for good."""
    reports, at = [], start
    for attempt in range(1, WEBHOOK_RETRY.max_attempts + 1):
        reports.append(await deliver(engine, at, **options))
        if attempt < WEBHOOK_RETRY.max_attempts:
            at += WEBHOOK_RETRY.delay_after(attempt)
    return reports


@pytest.fixture
async def partner(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> Caller:
    return await sign_in_partner(client, uow_factory, "webhooks-agency")


async def test_an_event_is_delivered_signed_and_its_data_is_the_feeds(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    everything = await register(client, partner, receiver.url)
    await register(client, partner, receiver.url + "/approvals", ["referral.approved"])
    assert everything["secret"].startswith("whsec_")
    listed = await step(await client.get("/v1/partner/webhooks", headers=partner.headers))
    assert len(listed["items"]) == 2 and "whsec_" not in str(listed)  # shown once, at creation
    receiver.secrets = [everything["secret"]]
    person = await referred(client, officer, partner, "hooked@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)

    report = await deliver(engine, datetime.now(UTC) + timedelta(seconds=1))
    assert report.sent == 1  # the approvals-only endpoint is not sent a contact
    [delivery] = receiver.verified()
    feed = await poll(client, partner, "0")
    assert delivery.payload["type"] == "referral.contacted"
    assert delivery.payload["data"] == feed["items"][0]  # the same event, the same id, as the feed
    assert delivery.headers["webhook-id"] and delivery.headers["webhook-signature"].startswith("v1,")
    assert (await deliver(engine, datetime.now(UTC) + timedelta(seconds=2))).sent == 0  # sent once


async def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    old = await register(client, partner, receiver.url)
    rotated = await step(
        await client.post(f"/v1/partner/webhooks/{old['endpoint']['id']}/secret-rotation", headers=partner.headers)
    )
    assert rotated["secret"] != old["secret"] and rotated["endpoint"]["previous_secret_until"]
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT secret, previous_secret FROM webhook_endpoints"))).one()
    # Encrypted at rest (Fernet tokens), never the secrets themselves.
    assert all(v.startswith("gAAAAA") for v in stored) and not {old["secret"], rotated["secret"]} & set(stored)
    receiver.secrets = [old["secret"], rotated["secret"]]
    person = await referred(client, officer, partner, "rotated@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    await deliver(engine, datetime.now(UTC) + timedelta(seconds=1))
    assert receiver.received[0].verified_with == [old["secret"], rotated["secret"]]  # either receiver passes

    await happened(uow_factory, person, EventType.WITHDRAWN)
    await deliver(engine, datetime.now(UTC) + timedelta(hours=25))  # the 24 h overlap is over
    assert receiver.received[1].verified_with == [rotated["secret"]]


async def test_a_failing_receiver_is_retried_with_backoff_then_failed_listed_and_resent_with_the_same_id(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    receiver.secrets = [(await register(client, partner, receiver.url))["secret"]]
    receiver.status = 500
    person = await referred(client, officer, partner, "failing@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    start = datetime.now(UTC) + timedelta(seconds=1)
    assert (await deliver(engine, start)).retried == 1
    assert (await deliver(engine, start + timedelta(seconds=29))).retried == 0  # not due before the backoff
    reports = await until_given_up(engine, start + timedelta(seconds=30))
    assert reports[-1].failed == 1 and len(receiver.received) == WEBHOOK_RETRY.max_attempts
    failed = await step(await client.get("/v1/partner/webhook-deliveries/failed", headers=partner.headers))
    [item] = failed["items"]
    assert (
        item["status"] == "failed"
        and item["last_error"] == "http_500"
        and item["event"]["type"] == "referral.contacted"
    )

    receiver.status = 204
    resent = await client.post(f"/v1/partner/webhook-deliveries/{item['id']}/resend", headers=partner.headers)
    assert resent.status_code == 202 and resent.json()["status"] == "pending"
    assert (await deliver(engine, datetime.now(UTC) + timedelta(seconds=1))).sent == 1
    assert {d.webhook_id for d in receiver.received} == {item["id"]}  # every attempt had the same id
    assert all(d.verified_with for d in receiver.received)
    again = await client.post(f"/v1/partner/webhook-deliveries/{item['id']}/resend", headers=partner.headers)
    assert again.status_code == 422 and again.json()["code"] == "webhook.delivery_not_failed"
    other = await sign_in_partner(client, uow_factory, "other")
    stranger = await client.post(f"/v1/partner/webhook-deliveries/{item['id']}/resend", headers=other.headers)
    assert stranger.status_code == 404


async def test_a_receiver_down_or_too_slow_is_a_failed_attempt_retried_later(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    await register(client, partner, DOWN)
    receiver.secrets = [(await register(client, partner, receiver.url))["secret"]]
    receiver.delay_seconds = 1.5
    person = await referred(client, officer, partner, "slow@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    report = await deliver(engine, datetime.now(UTC) + timedelta(seconds=1), send_timeout=0.5)
    assert report.retried == 2 and report.sent == 0
    async with engine.connect() as connection:
        from sqlalchemy import text

        errors = sorted((await connection.execute(text("SELECT last_error FROM webhook_deliveries"))).scalars())
    assert errors == ["timeout", "unreachable:ConnectError"]
    receiver.delay_seconds = 0
    assert (await deliver(engine, datetime.now(UTC) + timedelta(seconds=31), send_timeout=0.5)).sent == 1


async def test_an_endpoint_failing_again_and_again_is_disabled_and_the_partner_is_told(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
) -> None:
    endpoint = (await register(client, partner, DOWN))["endpoint"]
    person = await referred(client, officer, partner, "down@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    await happened(uow_factory, person, EventType.TRAINING_STARTED)
    reports = await until_given_up(engine, datetime.now(UTC) + timedelta(seconds=1), disable_after=2)
    assert reports[-1].failed == 2 and reports[-1].disabled_endpoints == [uuid.UUID(endpoint["id"])]
    [listed] = (await step(await client.get("/v1/partner/webhooks", headers=partner.headers)))["items"]
    assert listed["status"] == "disabled"
    told = (await poll(client, partner, "0"))["items"][-1]
    assert told["type"] == "webhook.endpoint_disabled" and told["data"]["endpoint_id"] == endpoint["id"]
    # A disabled endpoint is not sent anything until the partner enables it again.
    await happened(uow_factory, person, EventType.TRAINING_COMPLETED)
    assert (await deliver(engine, datetime.now(UTC) + timedelta(days=2))) == DeliveryReport()
    enabled = await step(await client.post(f"/v1/partner/webhooks/{endpoint['id']}/enabling", headers=partner.headers))
    assert enabled["status"] == "active" and enabled["failed_in_a_row"] == 0


async def test_no_webhook_goes_out_about_a_person_who_withdrew_consent(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    await register(client, partner, receiver.url)
    person = await referred(client, officer, partner, "private@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    [outcome] = (await step(await client.get("/v1/partner/referrals", headers=partner.headers)))["items"]
    withdrawal = f"/v1/partner/referrals/{outcome['referral_id']}/consent-withdrawal"
    await step(await client.post(withdrawal, headers=partner.headers))
    report = await deliver(engine, datetime.now(UTC) + timedelta(seconds=1))
    assert report.cancelled == 1 and receiver.received == []


async def test_registration_refuses_urls_the_service_must_not_call(
    client: AsyncTestClient[Litestar], partner: Caller, admin: Caller
) -> None:
    for url, code in (
        ("ftp://example.org/hooks", "webhook.invalid_url"),
        ("https://user:pw@example.org/hooks", "webhook.invalid_url"),
    ):
        refused = await client.post("/v1/partner/webhooks", json={"url": url}, headers=partner.headers)
        assert refused.status_code == 422 and refused.json()["code"] == code, url
        assert refused.json()["errors"][0]["field"] == "url"
    unknown_type = await client.post(
        "/v1/partner/webhooks",
        json={"url": "https://example.org", "event_types": ["loan.repaid"]},
        headers=partner.headers,
    )
    assert unknown_type.status_code == 400
    made = await client.post(
        f"/v1/partners/{partner.id}/webhooks", json={"url": "https://hooks.example.org/x"}, headers=admin.headers
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert len((await step(await client.get("/v1/partner/webhooks", headers=partner.headers)))["items"]) == 1
    nobody = await client.post(
        f"/v1/partners/{uuid.uuid4()}/webhooks", json={"url": "https://hooks.example.org/x"}, headers=admin.headers
    )
    assert nobody.status_code == 404 and nobody.json()["code"] == "partner.not_found"


async def test_in_production_a_private_address_is_refused_at_sending_too(
    client: AsyncTestClient[Litestar],
    uow_factory: SqlUnitOfWorkFactory,
    engine: AsyncEngine,
    officer: Caller,
    partner: Caller,
    receiver: Receiver,
) -> None:
    # Registered while allowed (or a public name that now resolves to loopback): checked again per delivery.
    await register(client, partner, receiver.url.replace("127.0.0.1", "localhost"))
    person = await referred(client, officer, partner, "ssrf@example.org")
    await happened(uow_factory, person, EventType.CONTACTED)
    report = await deliver(engine, datetime.now(UTC) + timedelta(seconds=1), allow_private=False)
    assert report.retried == 1 and receiver.received == []


async def test_a_registered_endpoint_shows_the_creation_time_it_is_listed_with(
    client: AsyncTestClient[Litestar], partner: Caller
) -> None:
    # The row took the database's now() while the answer showed the handler's clock: two times.
    registered = (await register(client, partner, DOWN))["endpoint"]
    [listed] = (await step(await client.get("/v1/partner/webhooks", headers=partner.headers)))["items"]
    assert listed["id"] == registered["id"] and listed["created_at"] == registered["created_at"]
