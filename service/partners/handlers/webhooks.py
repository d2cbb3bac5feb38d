"""Webhook endpoints (register, rotate the secret, re-enable), failed deliveries and their resend,
and the delivery run the worker makes from the outbox."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import msgspec
import structlog

from domain.errors import NotFound
from domain.ids import new_id
from domain.partners.model import EventType, PartnerEvent, sharing_allowed
from domain.partners.webhooks import (
    Attempt,
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
    check_webhook_url,
    endpoint_after,
    new_secret,
)
from service.partners.ports import Audience, DueDelivery, PartnersUnitOfWork, WebhookOutbox, WebhookSender

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class UrlPolicy:
    """SSRF guard settings: https outside development, public addresses only in production."""

    require_https: bool
    allow_private: bool


@dataclass(frozen=True, kw_only=True)
class RegisterEndpoint:
    url: str
    event_types: frozenset[EventType]


async def register_endpoint(
    cmd: RegisterEndpoint, audience: Audience, *, policy: UrlPolicy, uow: PartnersUnitOfWork, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here only: it is shown once)."""
    url = check_webhook_url(cmd.url, require_https=policy.require_https, allow_private=policy.allow_private)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=new_id(),
        partner_id=audience.partner_id,
        url=url,
        event_types=cmd.event_types,
        secret=secret,
        created_at=now,
        test=audience.test,
    )
    async with uow:
        if await uow.partners.get(audience.partner_id) is None:  # an admin acting for an unknown partner
            raise NotFound("partner not found", code="partner.not_found")
        await uow.webhooks.add(endpoint)
        await uow.commit()
    return endpoint, secret


async def list_endpoints(
    audience: Audience, *, uow: PartnersUnitOfWork, after: uuid.UUID | None, limit: int
) -> Sequence[WebhookEndpoint]:
    async with uow:
        if await uow.partners.get(audience.partner_id) is None:
            raise NotFound("partner not found", code="partner.not_found")
        return await uow.webhooks.of_partner(audience, after=after, limit=limit)


async def _own_endpoint(uow: PartnersUnitOfWork, endpoint_id: uuid.UUID, audience: Audience) -> WebhookEndpoint:
    endpoint = await uow.webhooks.get(endpoint_id, for_update=True)
    if endpoint is None or (endpoint.partner_id, endpoint.test) != (audience.partner_id, audience.test):
        raise NotFound("webhook endpoint not found", code="webhook.not_found")
    return endpoint


async def rotate_secret(
    endpoint_id: uuid.UUID, audience: Audience, *, overlap: timedelta, uow: PartnersUnitOfWork, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """A new secret; until ``now + overlap`` deliveries are signed with the new and the old one."""
    async with uow:
        endpoint = (await _own_endpoint(uow, endpoint_id, audience)).rotated(new_secret(), at=now, overlap=overlap)
        await uow.webhooks.save(endpoint)
        await uow.commit()
    return endpoint, endpoint.secret


async def enable_endpoint(endpoint_id: uuid.UUID, audience: Audience, *, uow: PartnersUnitOfWork) -> WebhookEndpoint:
    """A disabled endpoint back in service (its failures counted from zero)."""
    async with uow:
        endpoint = await _own_endpoint(uow, endpoint_id, audience)
        endpoint = replace(endpoint, status=EndpointStatus.ACTIVE, failed_in_a_row=0, version=endpoint.version + 1)
        await uow.webhooks.save(endpoint)
        await uow.commit()
    return endpoint


async def failed_deliveries(
    audience: Audience, *, after: uuid.UUID | None, limit: int, uow: PartnersUnitOfWork
) -> Sequence[tuple[WebhookDelivery, PartnerEvent]]:
    async with uow:
        return await uow.webhooks.failed_deliveries(audience, after=after, limit=limit)


async def resend_delivery(
    delivery_id: uuid.UUID, audience: Audience, *, uow: PartnersUnitOfWork, now: datetime
) -> WebhookDelivery:
    """A failed delivery sent again (same ``webhook-id``), with a fresh round of retries."""
    async with uow:
        found = await uow.webhooks.delivery(delivery_id)
        if found is None or (found[1].partner_id, found[1].test) != (audience.partner_id, audience.test):
            raise NotFound("webhook delivery not found", code="webhook.delivery_not_found")
        delivery = found[0].resent(now)
        await uow.webhooks.save_delivery(delivery)
        await uow.commit()
    return delivery


def event_payload(event: PartnerEvent) -> dict[str, object]:
    """An event as the feed and webhooks show it (the webhook body wraps it: type, timestamp, data)."""
    return {
        "id": event.id,
        "position": str(event.position),
        "type": event.type.value,
        "occurred_on": event.occurred_on,
        "recorded_at": event.recorded_at,
        "referral_id": event.referral_id,
        "partner_reference": event.partner_reference,
        "data": dict(event.data),
        "test": event.test,
    }


def webhook_body(event: PartnerEvent) -> bytes:
    """The Standard Webhooks payload: ``type``, ``timestamp`` and the event as ``data``, encoded as
    the API encodes it (so ``data`` equals the feed's item)."""
    return msgspec.json.encode({"type": event.type.value, "timestamp": event.recorded_at, "data": event_payload(event)})


Signer = Callable[[str, str, datetime, str], str]


def signed_headers(due: DueDelivery, body: bytes, *, sign: Signer, now: datetime, sent_at: datetime) -> dict[str, str]:
    """``webhook-id`` (the delivery's, the same on every attempt and resend), ``webhook-timestamp``
    (when it is sent: receivers refuse old ones) and one ``v1,`` signature per secret current at
    ``now``, space-separated (two during a rotation's overlap)."""
    msg_id = str(due.delivery.id)
    text = body.decode()
    signatures = " ".join(sign(secret, msg_id, sent_at, text) for secret in due.endpoint.signing_secrets(now))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    disabled_endpoints: list[uuid.UUID] = field(default_factory=list)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


async def deliver_one(
    due: DueDelivery,
    *,
    sender: WebhookSender,
    sign: Signer,
    now: Callable[[], datetime],
    wall_clock: Callable[[], datetime] = _wall_clock,
) -> WebhookDelivery:
    if due.referral is not None and not sharing_allowed(due.referral, now()):
        return replace(due.delivery, status=DeliveryStatus.CANCELLED, last_error="consent_withdrawn")
    body = webhook_body(due.event)
    headers = signed_headers(due, body, sign=sign, now=now(), sent_at=wall_clock())
    try:
        attempt = await sender.send(due.endpoint.url, headers, body)
    except Exception as error:  # a bug in one delivery must not stop the others; retried like a failure
        log.exception("webhook_send_crashed", delivery_id=str(due.delivery.id))
        attempt = Attempt(ok=False, error=f"internal:{type(error).__name__}")
    return due.delivery.after(attempt, now())


async def deliver_due_webhooks(
    *,
    outbox: WebhookOutbox,
    sender: WebhookSender,
    sign: Signer,
    now: Callable[[], datetime],
    disable_after: int,
    lanes: int = 4,
    limit: int | None = None,
) -> DeliveryReport:
    """Send the due pending deliveries, ``lanes`` at a time, until none is due (or ``limit`` done)."""
    report = DeliveryReport()
    taken = 0

    async def lane() -> None:
        nonlocal taken
        while limit is None or taken < limit:
            async with outbox.claim_next(now()) as claim:
                if claim is None:
                    return
                taken += 1
                delivery = await deliver_one(claim.due, sender=sender, sign=sign, now=now)
                endpoint = endpoint_after(await claim.endpoint_now(), delivery, disable_after=disable_after)
                await claim.record(delivery, endpoint, now=now())
            if delivery.status is DeliveryStatus.PENDING:
                report.retried += 1
            else:
                setattr(report, delivery.status.value, getattr(report, delivery.status.value) + 1)
            if endpoint.status is EndpointStatus.DISABLED and claim.due.endpoint.status is EndpointStatus.ACTIVE:
                report.disabled_endpoints.append(endpoint.id)
                log.warning(
                    "webhook_endpoint_disabled",
                    endpoint_id=str(endpoint.id),
                    partner_id=str(endpoint.partner_id),
                    failed_in_a_row=endpoint.failed_in_a_row,
                )

    async with asyncio.TaskGroup() as group:
        for _ in range(lanes):
            group.create_task(lane())
    log.info(
        "webhooks_delivered",
        sent=report.sent,
        retried=report.retried,
        failed=report.failed,
        cancelled=report.cancelled,
        disabled=len(report.disabled_endpoints),
    )
    return report
