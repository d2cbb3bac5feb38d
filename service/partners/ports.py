"""What the partners context's handlers need: its feed and webhooks, and the delivery outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.identity.model import Partner
from domain.partners.model import FollowedReferral, PartnerEvent
from domain.partners.webhooks import Attempt, WebhookDelivery, WebhookEndpoint
from service.kernel.ports import PartnerEvents, UnitOfWork


@dataclass(frozen=True)
class Audience:
    """Whose view it is: a partner, in live or test (sandbox) mode; live and test data never mix."""

    partner_id: uuid.UUID
    test: bool = False


class PartnerFeed(Protocol):
    async def referral(self, referral_id: uuid.UUID, *, for_update: bool = False) -> FollowedReferral | None: ...
    async def referrals(
        self, audience: Audience, *, partner_reference: str | None, after: uuid.UUID | None, limit: int | None
    ) -> Sequence[FollowedReferral]: ...
    async def events_of(self, referral_ids: Sequence[uuid.UUID]) -> Sequence[PartnerEvent]: ...
    async def events_after(
        self, audience: Audience, *, after: int, limit: int
    ) -> Sequence[tuple[PartnerEvent, FollowedReferral | None]]: ...
    async def withdraw_consent(self, referral_id: uuid.UUID, at: datetime, by: uuid.UUID) -> None:
        """Record the withdrawal once (a second one keeps the first date and author)."""
        ...


class Webhooks(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...
    async def get(self, endpoint_id: uuid.UUID, *, for_update: bool = False) -> WebhookEndpoint | None: ...
    async def save(self, endpoint: WebhookEndpoint) -> None: ...
    async def of_partner(
        self, audience: Audience, *, after: uuid.UUID | None = None, limit: int | None = None
    ) -> Sequence[WebhookEndpoint]: ...
    async def failed_deliveries(
        self, audience: Audience, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[WebhookDelivery, PartnerEvent]]: ...
    async def delivery(self, delivery_id: uuid.UUID) -> tuple[WebhookDelivery, WebhookEndpoint] | None: ...
    async def save_delivery(self, delivery: WebhookDelivery) -> None: ...


class PartnerDirectory(Protocol):
    """The partners identity knows: the part of its ``Partners`` this context uses."""

    async def get(self, partner_id: uuid.UUID) -> Partner | None: ...


class PartnersUnitOfWork(UnitOfWork, Protocol):
    @property
    def partners(self) -> PartnerDirectory: ...
    @property
    def partner_events(self) -> PartnerEvents: ...
    @property
    def partner_feed(self) -> PartnerFeed: ...
    @property
    def webhooks(self) -> Webhooks: ...


@dataclass(frozen=True)
class DueDelivery:
    """A delivery to attempt now, with what it needs: the endpoint, the event and the referral's
    consents (checked again at sending: a withdrawal stops what was not sent yet)."""

    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: PartnerEvent
    referral: FollowedReferral | None


class DeliveryClaim(Protocol):
    @property
    def due(self) -> DueDelivery: ...
    async def endpoint_now(self) -> WebhookEndpoint:
        """The endpoint as stored now, locked until ``record`` (two deliveries may end at once)."""
        ...

    async def record(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, now: datetime) -> None:
        """Store the delivery and the endpoint (and tell the partner if it was just disabled); commit."""
        ...


class WebhookOutbox(Protocol):
    def claim_next(self, now: datetime) -> AbstractAsyncContextManager[DeliveryClaim | None]:
        """The next due delivery, locked until ``record`` (others skip it); leaving without recording
        (the worker died, say) releases it unchanged, to be tried again."""
        ...


class WebhookSender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt: ...
