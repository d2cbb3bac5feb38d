"""The webhook outbox as the delivery job sees it: one due delivery at a time, locked while it is sent.

The lock is a row lock held by an open transaction (``FOR UPDATE SKIP LOCKED``): other workers skip
the row, and a worker that dies mid-delivery loses its connection, so PostgreSQL rolls back and the
delivery is due again, unchanged (the receiver may then get it twice, with the same ``webhook-id``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from domain.partners.model import EventType
from domain.partners.webhooks import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from service.partners.ports import DueDelivery
from service.partners.repositories import (
    DELIVERIES,
    ENDPOINTS,
    EVENTS,
    REFERRALS,
    SqlPartnerEvents,
    delivery_of,
    endpoint_of,
    endpoint_query,
    event_of,
    followed,
    joined,
    part,
    save_delivery,
    save_endpoint,
)


class _Claim:
    def __init__(self, session: AsyncSession, due: DueDelivery) -> None:
        self._session = session
        self._due = due

    @property
    def due(self) -> DueDelivery:
        return self._due

    async def endpoint_now(self) -> WebhookEndpoint:
        # Re-read under the lock (the claim's copy may be stale: another delivery may have ended since).
        return await self._locked_endpoint(self._due.endpoint.id)

    async def _locked_endpoint(self, endpoint_id: uuid.UUID) -> WebhookEndpoint:
        row = (await self._session.execute(endpoint_query(endpoint_id, for_update=True))).mappings().one()
        return endpoint_of(row)

    async def record(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint, *, now: datetime) -> None:
        stored = await self._locked_endpoint(endpoint.id)
        disabled_now = stored.status is EndpointStatus.ACTIVE and endpoint.status is EndpointStatus.DISABLED
        await save_delivery(self._session, delivery)
        await save_endpoint(self._session, endpoint)
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
                (
                    await session.execute(
                        select(*joined(DELIVERIES, ENDPOINTS, EVENTS, REFERRALS))
                        .select_from(
                            DELIVERIES.join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id)
                            .join(EVENTS, EVENTS.c.id == DELIVERIES.c.event_id)
                            .outerjoin(REFERRALS, REFERRALS.c.referral_id == EVENTS.c.referral_id)
                        )
                        .where(
                            DELIVERIES.c.status == DeliveryStatus.PENDING.value,
                            DELIVERIES.c.next_attempt_at <= now,
                            ENDPOINTS.c.status == EndpointStatus.ACTIVE.value,
                        )
                        .order_by(DELIVERIES.c.next_attempt_at, EVENTS.c.position)
                        .limit(1)
                        .with_for_update(of=DELIVERIES, skip_locked=True)
                    )
                )
                .mappings()
                .first()
            )
            if found is None:
                yield None
                return
            delivery, endpoint, event = part(found, DELIVERIES), part(found, ENDPOINTS), part(found, EVENTS)
            referral = part(found, REFERRALS)
            assert delivery is not None and endpoint is not None and event is not None
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
