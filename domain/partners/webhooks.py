"""Webhook endpoints of partners: where events are sent, with which secret, and when to give up.

Deliveries follow the Standard Webhooks specification (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``); the signing itself is the ``standardwebhooks`` package's, in the service.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from domain.errors import RuleViolation
from domain.notifications.delivery import RetryPolicy
from domain.partners.model import EventType

# 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then every 6 h: about a day in all before a delivery fails.
WEBHOOK_RETRY = RetryPolicy(first_delay=timedelta(seconds=30), factor=4, max_delay=timedelta(hours=6), max_attempts=8)


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the person withdrew their consent before it went out


def new_secret() -> str:
    """A 32-byte random signing secret in the Standard Webhooks form (``whsec_`` + base64)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True, kw_only=True)
class WebhookEndpoint:
    """A partner's endpoint. During a rotation's overlap (until ``previous_secret_until``) each
    delivery carries a signature with the new secret and one with the previous, so the partner can
    switch its receiver at any moment of the overlap."""

    id: uuid.UUID
    partner_id: uuid.UUID
    url: str
    event_types: frozenset[EventType]
    secret: str
    created_at: datetime
    status: EndpointStatus = EndpointStatus.ACTIVE
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failed_in_a_row: int = 0
    test: bool = False
    version: int = 1

    def signing_secrets(self, at: datetime) -> tuple[str, ...]:
        if self.previous_secret and self.previous_secret_until and at < self.previous_secret_until:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def rotated(self, new: str, *, at: datetime, overlap: timedelta) -> WebhookEndpoint:
        return replace(
            self, secret=new, previous_secret=self.secret, previous_secret_until=at + overlap, version=self.version + 1
        )

    def wants(self, event: EventType) -> bool:
        return not self.event_types or event in self.event_types


def check_webhook_url(url: str, *, require_https: bool, allow_private: bool) -> str:
    """An endpoint URL the service may call (server-side request forgery guard, first half).

    Outside development the URL must be https; in production a host given as an address must be
    public (not loopback, private, link-local, multicast or reserved). Host names are resolved and
    checked again at each delivery (``service.partners.sender``), since DNS may change after this."""
    parts = urlsplit(url.strip())
    field = "url"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RuleViolation("must be an absolute http(s) URL", code="webhook.invalid_url", field=field)
    if require_https and parts.scheme != "https":
        raise RuleViolation("must use https", code="webhook.https_required", field=field)
    if parts.username or parts.password:
        raise RuleViolation("must not carry credentials", code="webhook.invalid_url", field=field)
    if not allow_private and not is_public_host(parts.hostname):
        raise RuleViolation("must be a public address", code="webhook.private_address", field=field)
    return parts.geturl()


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_public_host(host: str) -> bool:
    """False for an address that is not public, and for names that are local by definition."""
    try:
        return is_public_address(host.strip("[]"))
    except ValueError:
        name = host.lower().rstrip(".")
        return name != "localhost" and not name.endswith((".localhost", ".local", ".internal"))


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """The outcome of one delivery attempt: ``ok`` for a 2xx answer."""

    ok: bool
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class WebhookDelivery:
    """One event to one endpoint; its id is the ``webhook-id`` every attempt and resend carries."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    def after(self, attempt: Attempt, now: datetime, policy: RetryPolicy = WEBHOOK_RETRY) -> WebhookDelivery:
        """Sent, pending again after the backoff, or failed once the attempts are used up."""
        attempts = self.attempts + 1
        if attempt.ok:
            return replace(self, status=DeliveryStatus.SENT, attempts=attempts, sent_at=now, last_error=None)
        if policy.is_exhausted(attempts):
            return replace(self, status=DeliveryStatus.FAILED, attempts=attempts, last_error=attempt.error)
        return replace(
            self, attempts=attempts, last_error=attempt.error, next_attempt_at=policy.next_attempt_at(attempts, now)
        )

    def resent(self, now: datetime) -> WebhookDelivery:
        """A failed delivery the partner asks for again: a fresh round of attempts, the same id."""
        if self.status is not DeliveryStatus.FAILED:
            raise RuleViolation("only a failed delivery can be resent", code="webhook.delivery_not_failed")
        return replace(self, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None)


def endpoint_after(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, disable_after: int) -> WebhookEndpoint:
    """An endpoint whose deliveries keep failing is disabled after ``disable_after`` failed in a row
    (each one after all its retries); a success counts them from zero again."""
    if delivery.status is DeliveryStatus.SENT:
        return replace(endpoint, failed_in_a_row=0)
    if delivery.status is not DeliveryStatus.FAILED:
        return endpoint
    failed = endpoint.failed_in_a_row + 1
    status = EndpointStatus.DISABLED if failed >= disable_after else endpoint.status
    return replace(endpoint, failed_in_a_row=failed, status=status)
