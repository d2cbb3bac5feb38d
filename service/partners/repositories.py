"""The partners context on PostgreSQL: the event writer every context calls, the feed, webhooks.

Feed order under concurrency: a partner's next ``position`` is taken by an upsert on its
``partner_feed_heads`` row, which locks that row until the transaction commits or rolls back. A
second transaction writing for the same partner waits there, so position N+1 can never become
visible before position N: a poller reading "after my cursor" in position order never skips an
event committed late (a plain sequence would hand out N+1 to a transaction that may commit first).
The price: writers for one partner are serialised for the rest of their transaction. Locks are
taken in partner order within a call, so two calls about one person cannot deadlock each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ids import new_id
from domain.partners.model import EventType, FollowedReferral, PartnerEvent, shared_details, sharing_allowed
from domain.partners.webhooks import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from service.partners.ports import Audience
from service.partners.tables import (
    PartnerEventRow,
    PartnerReferralRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)

_NEXT_POSITION = text(
    """
    INSERT INTO partner_feed_heads (partner_id, position) VALUES (:partner_id, 1)
    ON CONFLICT (partner_id) DO UPDATE SET position = partner_feed_heads.position + 1
    RETURNING position
    """
)

# The outbox rows of an event: one per active endpoint of the partner (same mode) that wants it.
_FAN_OUT = text(
    """
    INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at)
    SELECT gen_random_uuid(), e.id, :event_id, 'pending', 0, :at
    FROM webhook_endpoints e
    WHERE e.partner_id = :partner_id AND e.status = 'active' AND e.test = :test
      AND (cardinality(e.event_types) = 0 OR :type = ANY(e.event_types))
    """
)


def followed(row: PartnerReferralRow) -> FollowedReferral:
    return FollowedReferral(
        id=row.referral_id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        referred_at=row.referred_at,
        partner_reference=row.partner_reference,
        share_loan_amount=row.share_loan_amount,
        consent_withdrawn_at=row.consent_withdrawn_at,
        test=row.test,
    )


def event_of(row: PartnerEventRow) -> PartnerEvent:
    return PartnerEvent(
        id=row.id,
        partner_id=row.partner_id,
        position=row.position,
        type=EventType(row.type),
        occurred_on=row.occurred_on,
        recorded_at=row.recorded_at,
        referral_id=row.referral_id,
        partner_reference=row.partner_reference,
        data=row.data,
        test=row.test,
    )


class SqlPartnerEvents:
    """``service.kernel.ports.PartnerEvents`` on the caller's session (so in its transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follow(self, referral: FollowedReferral) -> None:
        self.session.add(
            PartnerReferralRow(
                referral_id=referral.id,
                partner_id=referral.partner_id,
                applicant_id=referral.applicant_id,
                partner_reference=referral.partner_reference,
                share_loan_amount=referral.share_loan_amount,
                consent_withdrawn_at=referral.consent_withdrawn_at,
                test=referral.test,
                referred_at=referral.referred_at,
            )
        )
        await self.session.flush()

    async def followed(self, referral_id: uuid.UUID) -> FollowedReferral | None:
        row = await self.session.get(PartnerReferralRow, referral_id)
        return followed(row) if row else None

    async def record(
        self,
        applicant_id: uuid.UUID,
        event: EventType,
        *,
        on: date,
        at: datetime,
        details: Mapping[str, object] | None = None,
        once_per: str | None = None,
    ) -> int:
        rows = (
            await self.session.scalars(
                select(PartnerReferralRow)
                .where(PartnerReferralRow.applicant_id == applicant_id)
                .order_by(PartnerReferralRow.partner_id, PartnerReferralRow.referral_id)
            )
        ).all()
        written = 0
        for referral in (followed(r) for r in rows):
            if not sharing_allowed(referral, at):
                continue
            position = await self._next_position(referral.partner_id)
            if once_per is not None and await self._already(referral.id, once_per):
                continue  # a position left unused is harmless: readers page on "after", not on counts
            await self._append(
                referral.partner_id,
                position,
                event,
                on=on,
                at=at,
                data=shared_details(referral, event, details or {}),
                referral=referral,
                once_key=once_per,
            )
            written += 1
        return written

    async def notify(
        self, partner_id: uuid.UUID, event: EventType, *, at: datetime, details: Mapping[str, object], test: bool
    ) -> None:
        """An event about the partner's own integration (an endpoint disabled), not about a person."""
        position = await self._next_position(partner_id)
        await self._append(partner_id, position, event, on=at.date(), at=at, data=dict(details), test=test)

    async def _next_position(self, partner_id: uuid.UUID) -> int:
        return int((await self.session.execute(_NEXT_POSITION, {"partner_id": partner_id})).scalar_one())

    async def _already(self, referral_id: uuid.UUID, once_key: str) -> bool:
        found = await self.session.scalar(
            select(PartnerEventRow.id).where(
                PartnerEventRow.referral_id == referral_id, PartnerEventRow.once_key == once_key
            )
        )
        return found is not None

    async def _append(
        self,
        partner_id: uuid.UUID,
        position: int,
        event: EventType,
        *,
        on: date,
        at: datetime,
        data: dict[str, Any],
        referral: FollowedReferral | None = None,
        once_key: str | None = None,
        test: bool = False,
    ) -> None:
        event_id = new_id()
        test = referral.test if referral is not None else test
        self.session.add(
            PartnerEventRow(
                id=event_id,
                partner_id=partner_id,
                position=position,
                type=event.value,
                occurred_on=on,
                recorded_at=at,
                referral_id=referral.id if referral else None,
                partner_reference=referral.partner_reference if referral else None,
                data=data,
                test=test,
                once_key=once_key,
            )
        )
        await self.session.flush()
        await self.session.execute(
            _FAN_OUT, {"event_id": event_id, "at": at, "partner_id": partner_id, "test": test, "type": event.value}
        )


class SqlPartnerFeed:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def referral(self, referral_id: uuid.UUID, *, for_update: bool = False) -> FollowedReferral | None:
        query = select(PartnerReferralRow).where(PartnerReferralRow.referral_id == referral_id)
        row = await self.session.scalar(query.with_for_update() if for_update else query)
        return followed(row) if row else None

    async def referrals(
        self, audience: Audience, *, partner_reference: str | None, after: uuid.UUID | None, limit: int | None
    ) -> Sequence[FollowedReferral]:
        query = select(PartnerReferralRow).where(
            PartnerReferralRow.partner_id == audience.partner_id, PartnerReferralRow.test == audience.test
        )
        if partner_reference is not None:
            query = query.where(PartnerReferralRow.partner_reference == partner_reference)
        if after is not None:
            query = query.where(PartnerReferralRow.referral_id > after)
        query = query.order_by(PartnerReferralRow.referral_id).limit(limit)
        return [followed(r) for r in (await self.session.scalars(query)).all()]

    async def events_of(self, referral_ids: Sequence[uuid.UUID]) -> Sequence[PartnerEvent]:
        if not referral_ids:
            return []
        rows = await self.session.scalars(
            select(PartnerEventRow)
            .where(PartnerEventRow.referral_id.in_(referral_ids))
            .order_by(PartnerEventRow.position)
        )
        return [event_of(r) for r in rows.all()]

    async def events_after(
        self, audience: Audience, *, after: int, limit: int
    ) -> Sequence[tuple[PartnerEvent, FollowedReferral | None]]:
        rows = await self.session.execute(
            select(PartnerEventRow, PartnerReferralRow)
            .outerjoin(PartnerReferralRow, PartnerReferralRow.referral_id == PartnerEventRow.referral_id)
            .where(
                PartnerEventRow.partner_id == audience.partner_id,
                PartnerEventRow.test == audience.test,
                PartnerEventRow.position > after,
            )
            .order_by(PartnerEventRow.position)
            .limit(limit)
        )
        return [(event_of(e), followed(r) if r else None) for e, r in rows.all()]

    async def withdraw_consent(self, referral_id: uuid.UUID, at: datetime, by: uuid.UUID) -> None:
        row = await self.session.get(PartnerReferralRow, referral_id)
        assert row is not None
        if row.consent_withdrawn_at is None:  # the first withdrawal counts
            row.consent_withdrawn_at, row.consent_withdrawn_by = at, by
        await self.session.flush()


def endpoint_of(row: WebhookEndpointRow) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        partner_id=row.partner_id,
        url=row.url,
        event_types=frozenset(EventType(t) for t in row.event_types),
        secret=row.secret,
        created_at=row.created_at,
        status=EndpointStatus(row.status),
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
        failed_in_a_row=row.failed_in_a_row,
        test=row.test,
        version=row.version,
    )


def delivery_of(row: WebhookDeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


def write_endpoint(row: WebhookEndpointRow, endpoint: WebhookEndpoint) -> None:
    row.url = endpoint.url
    row.event_types = sorted(t.value for t in endpoint.event_types)
    row.secret = endpoint.secret
    row.previous_secret = endpoint.previous_secret
    row.previous_secret_until = endpoint.previous_secret_until
    row.status = endpoint.status.value
    row.failed_in_a_row = endpoint.failed_in_a_row
    row.version = endpoint.version


def write_delivery(row: WebhookDeliveryRow, delivery: WebhookDelivery) -> None:
    row.status = delivery.status.value
    row.attempts = delivery.attempts
    if delivery.next_attempt_at is not None:
        row.next_attempt_at = delivery.next_attempt_at
    row.last_error = delivery.last_error[:200] if delivery.last_error else None
    row.sent_at = delivery.sent_at


class SqlWebhooks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, endpoint: WebhookEndpoint) -> None:
        row = WebhookEndpointRow(
            id=endpoint.id, partner_id=endpoint.partner_id, test=endpoint.test, created_at=endpoint.created_at
        )  # the handler's moment, the one its answer shows (not the database's now())
        write_endpoint(row, endpoint)
        self.session.add(row)
        await self.session.flush()

    async def get(self, endpoint_id: uuid.UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
        row = await self.session.get(WebhookEndpointRow, endpoint_id, with_for_update=for_update)
        return endpoint_of(row) if row else None

    async def save(self, endpoint: WebhookEndpoint) -> None:
        row = await self.session.get(WebhookEndpointRow, endpoint.id)
        assert row is not None
        write_endpoint(row, endpoint)
        await self.session.flush()

    async def of_partner(
        self, audience: Audience, *, after: uuid.UUID | None = None, limit: int | None = None
    ) -> Sequence[WebhookEndpoint]:
        query = (
            select(WebhookEndpointRow)
            .where(WebhookEndpointRow.partner_id == audience.partner_id, WebhookEndpointRow.test == audience.test)
            .order_by(WebhookEndpointRow.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(WebhookEndpointRow.id > after)
        rows = await self.session.scalars(query)
        return [endpoint_of(r) for r in rows.all()]

    async def failed_deliveries(
        self, audience: Audience, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[WebhookDelivery, PartnerEvent]]:
        query = (
            select(WebhookDeliveryRow, PartnerEventRow)
            .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
            .join(PartnerEventRow, PartnerEventRow.id == WebhookDeliveryRow.event_id)
            .where(
                WebhookEndpointRow.partner_id == audience.partner_id,
                WebhookEndpointRow.test == audience.test,
                WebhookDeliveryRow.status == DeliveryStatus.FAILED.value,
            )
            .order_by(WebhookDeliveryRow.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(WebhookDeliveryRow.id > after)
        rows = await self.session.execute(query)
        return [(delivery_of(d), event_of(e)) for d, e in rows.all()]

    async def delivery(self, delivery_id: uuid.UUID) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
        found = (
            await self.session.execute(
                select(WebhookDeliveryRow, WebhookEndpointRow)
                .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
                .where(WebhookDeliveryRow.id == delivery_id)
                .with_for_update(of=WebhookDeliveryRow)
            )
        ).first()
        return (delivery_of(found[0]), endpoint_of(found[1])) if found else None

    async def save_delivery(self, delivery: WebhookDelivery) -> None:
        row = await self.session.get(WebhookDeliveryRow, delivery.id)
        assert row is not None
        write_delivery(row, delivery)
        await self.session.flush()
