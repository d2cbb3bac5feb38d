"""The webhook outbox as the delivery job sees it: one due delivery at a time, locked while it is sent.

The lock is a row lock held by an open transaction (``FOR UPDATE SKIP LOCKED``): other workers skip
the row, and a worker that dies mid-delivery loses its connection, so PostgreSQL rolls back and the
delivery is due again, unchanged (the receiver may then get it twice, with the same ``webhook-id``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.partners.model import EventType
from domain.partners.webhooks import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from service.partners.ports import DueDelivery
from service.partners.repositories import (
    SqlPartnerEvents,
    delivery_of,
    endpoint_of,
    event_of,
    followed,
    write_delivery,
    write_endpoint,
)
from service.partners.tables import PartnerEventRow, PartnerReferralRow, WebhookDeliveryRow, WebhookEndpointRow


class _Claim:
    def __init__(self, session: AsyncSession, due: DueDelivery) -> None:
        self._session = session
        self._due = due

    @property
    def due(self) -> DueDelivery:
        return self._due

    async def endpoint_now(self) -> WebhookEndpoint:
        # Re-read under the lock (the claim's copy may be stale: another delivery may have ended since).
        row = await self._session.get(
            WebhookEndpointRow, self._due.endpoint.id, with_for_update=True, populate_existing=True
        )
        assert row is not None
        return endpoint_of(row)

    async def record(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, now: datetime) -> None:
        row = await self._session.get(WebhookDeliveryRow, delivery.id)
        endpoint_row = await self._session.get(
            WebhookEndpointRow, endpoint.id, with_for_update=True, populate_existing=True
        )
        assert row is not None and endpoint_row is not None
        write_delivery(row, delivery)
        disabled_now = endpoint_row.status == EndpointStatus.ACTIVE.value and endpoint.status is EndpointStatus.DISABLED
        write_endpoint(endpoint_row, endpoint)
        if disabled_now:  # the partner is told in its feed (and by webhook to its other endpoints)
            await SqlPartnerEvents(self._session).notify(
                endpoint.partner_id,
                EventType.WEBHOOK_ENDPOINT_DISABLED,
                at=now,
                details={"endpoint_id": str(endpoint.id), "failed_deliveries": endpoint.failed_in_a_row},
                test=endpoint.test,
            )
        await self._session.commit()


class SqlWebhookOutbox:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def claim_next(self, now: datetime) -> AsyncIterator[_Claim | None]:
        async with AsyncSession(self.engine, expire_on_commit=False) as session:
            found = (
                await session.execute(
                    select(WebhookDeliveryRow, WebhookEndpointRow, PartnerEventRow, PartnerReferralRow)
                    .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
                    .join(PartnerEventRow, PartnerEventRow.id == WebhookDeliveryRow.event_id)
                    .outerjoin(PartnerReferralRow, PartnerReferralRow.referral_id == PartnerEventRow.referral_id)
                    .where(
                        WebhookDeliveryRow.status == DeliveryStatus.PENDING.value,
                        WebhookDeliveryRow.next_attempt_at <= now,
                        WebhookEndpointRow.status == EndpointStatus.ACTIVE.value,
                    )
                    .order_by(WebhookDeliveryRow.next_attempt_at, PartnerEventRow.position)
                    .limit(1)
                    .with_for_update(of=WebhookDeliveryRow, skip_locked=True)
                )
            ).first()
            if found is None:
                yield None
                return
            delivery, endpoint, event, referral = found
            # Leaving without ``record`` rolls back: the delivery stays pending and unlocked.
            yield _Claim(
                session,
                DueDelivery(
                    delivery=delivery_of(delivery),
                    endpoint=endpoint_of(endpoint),
                    event=event_of(event),
                    referral=followed(referral) if referral else None,
                ),
            )
