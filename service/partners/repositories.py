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

from sqlalchemy import Label, RowMapping, Select, Table, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ids import new_id
from domain.partners.model import EventType, FollowedReferral, PartnerEvent, shared_details, sharing_allowed
from domain.partners.webhooks import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from service.kernel.db.mapping import to_domain
from service.partners.ports import Audience
from service.partners.tables import (
    PartnerEventRow,
    PartnerReferralRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)

REFERRALS: Table = PartnerReferralRow.__table__  # type: ignore[assignment]
EVENTS: Table = PartnerEventRow.__table__  # type: ignore[assignment]
ENDPOINTS: Table = WebhookEndpointRow.__table__  # type: ignore[assignment]
DELIVERIES: Table = WebhookDeliveryRow.__table__  # type: ignore[assignment]

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


def joined(*tables: Table) -> list[Label[Any]]:
    """The tables' columns named ``<table>.<column>``, so that a row of a join keeps same-named
    columns (``id``, ``test``, ``partner_id``) apart; ``part`` takes one table's back out."""
    return [c.label(f"{t.name}.{c.name}") for t in tables for c in t.c]


def part(row: RowMapping, table: Table) -> dict[str, Any] | None:
    """``table``'s columns of a ``joined`` row, by column name; None for the missing side of an outer join."""
    values = {c.name: row[f"{table.name}.{c.name}"] for c in table.c}
    return None if all(values[c.name] is None for c in table.primary_key) else values


def _whole(row: RowMapping, table: Table) -> dict[str, Any]:
    """``part`` of an inner join: always there."""
    values = part(row, table)
    assert values is not None
    return values


def followed(row: Mapping[Any, Any]) -> FollowedReferral:
    return FollowedReferral(
        id=row["referral_id"],
        partner_id=row["partner_id"],
        applicant_id=row["applicant_id"],
        referred_at=row["referred_at"],
        partner_reference=row["partner_reference"],
        share_loan_amount=row["share_loan_amount"],
        consent_withdrawn_at=row["consent_withdrawn_at"],
        test=row["test"],
    )


def event_of(row: Mapping[Any, Any]) -> PartnerEvent:
    return to_domain(PartnerEvent, row, type=EventType(row["type"]))


class SqlPartnerEvents:
    """``service.kernel.ports.PartnerEvents`` on the caller's session (so in its transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def follow(self, referral: FollowedReferral) -> None:
        await self.session.execute(
            insert(REFERRALS).values(
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

    async def followed(self, referral_id: uuid.UUID) -> FollowedReferral | None:
        query = select(REFERRALS).where(REFERRALS.c.referral_id == referral_id)
        row = (await self.session.execute(query)).mappings().one_or_none()
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
            await self.session.execute(
                select(REFERRALS)
                .where(REFERRALS.c.applicant_id == applicant_id)
                .order_by(REFERRALS.c.partner_id, REFERRALS.c.referral_id)
            )
        ).mappings()
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
            select(EVENTS.c.id).where(EVENTS.c.referral_id == referral_id, EVENTS.c.once_key == once_key)
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
        await self.session.execute(
            insert(EVENTS).values(
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
        await self.session.execute(
            _FAN_OUT, {"event_id": event_id, "at": at, "partner_id": partner_id, "test": test, "type": event.value}
        )


class SqlPartnerFeed:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def referral(self, referral_id: uuid.UUID, *, for_update: bool = False) -> FollowedReferral | None:
        query = select(REFERRALS).where(REFERRALS.c.referral_id == referral_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).mappings().one_or_none()
        return followed(row) if row else None

    async def referrals(
        self, audience: Audience, *, partner_reference: str | None, after: uuid.UUID | None, limit: int | None
    ) -> Sequence[FollowedReferral]:
        query = select(REFERRALS).where(
            REFERRALS.c.partner_id == audience.partner_id, REFERRALS.c.test == audience.test
        )
        if partner_reference is not None:
            query = query.where(REFERRALS.c.partner_reference == partner_reference)
        if after is not None:
            query = query.where(REFERRALS.c.referral_id > after)
        query = query.order_by(REFERRALS.c.referral_id).limit(limit)
        return [followed(r) for r in (await self.session.execute(query)).mappings()]

    async def events_of(self, referral_ids: Sequence[uuid.UUID]) -> Sequence[PartnerEvent]:
        if not referral_ids:
            return []
        rows = await self.session.execute(
            select(EVENTS).where(EVENTS.c.referral_id.in_(referral_ids)).order_by(EVENTS.c.position)
        )
        return [event_of(r) for r in rows.mappings()]

    async def events_after(
        self, audience: Audience, *, after: int, limit: int
    ) -> Sequence[tuple[PartnerEvent, FollowedReferral | None]]:
        rows = await self.session.execute(
            select(*joined(EVENTS, REFERRALS))
            .select_from(EVENTS.outerjoin(REFERRALS, REFERRALS.c.referral_id == EVENTS.c.referral_id))
            .where(
                EVENTS.c.partner_id == audience.partner_id,
                EVENTS.c.test == audience.test,
                EVENTS.c.position > after,
            )
            .order_by(EVENTS.c.position)
            .limit(limit)
        )
        found = []
        for row in rows.mappings():
            event, referral = part(row, EVENTS), part(row, REFERRALS)
            assert event is not None
            found.append((event_of(event), followed(referral) if referral else None))
        return found

    async def withdraw_consent(self, referral_id: uuid.UUID, at: datetime, by: uuid.UUID) -> None:
        await self.session.execute(
            update(REFERRALS)
            # the first withdrawal counts
            .where(REFERRALS.c.referral_id == referral_id, REFERRALS.c.consent_withdrawn_at.is_(None))
            .values(consent_withdrawn_at=at, consent_withdrawn_by=by)
        )


def endpoint_of(row: Mapping[Any, Any]) -> WebhookEndpoint:
    return to_domain(
        WebhookEndpoint,
        row,
        event_types=frozenset(EventType(t) for t in row["event_types"]),
        status=EndpointStatus(row["status"]),
    )


def delivery_of(row: Mapping[Any, Any]) -> WebhookDelivery:
    return to_domain(WebhookDelivery, row, status=DeliveryStatus(row["status"]))


def endpoint_values(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The endpoint's columns a save writes (its partner, mode and creation never change)."""
    return {
        "url": endpoint.url,
        "event_types": sorted(t.value for t in endpoint.event_types),
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_until": endpoint.previous_secret_until,
        "status": endpoint.status.value,
        "failed_in_a_row": endpoint.failed_in_a_row,
        "version": endpoint.version,
    }


def delivery_values(delivery: WebhookDelivery) -> dict[str, Any]:
    values = {
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error[:200] if delivery.last_error else None,
        "sent_at": delivery.sent_at,
    }
    if delivery.next_attempt_at is not None:
        values["next_attempt_at"] = delivery.next_attempt_at
    return values


def endpoint_query(endpoint_id: uuid.UUID, *, for_update: bool = False) -> Select[Any]:
    query = select(ENDPOINTS).where(ENDPOINTS.c.id == endpoint_id)
    return query.with_for_update() if for_update else query


async def save_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.execute(update(ENDPOINTS).where(ENDPOINTS.c.id == endpoint.id).values(**endpoint_values(endpoint)))


async def save_delivery(session: AsyncSession, delivery: WebhookDelivery) -> None:
    await session.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery.id).values(**delivery_values(delivery)))


class SqlWebhooks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self.session.execute(
            insert(ENDPOINTS).values(
                id=endpoint.id,
                partner_id=endpoint.partner_id,
                test=endpoint.test,
                created_at=endpoint.created_at,  # the handler's moment, the one its answer shows (not now())
                **endpoint_values(endpoint),
            )
        )

    async def get(self, endpoint_id: uuid.UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
        row = (await self.session.execute(endpoint_query(endpoint_id, for_update=for_update))).mappings().one_or_none()
        return endpoint_of(row) if row else None

    async def save(self, endpoint: WebhookEndpoint) -> None:
        await save_endpoint(self.session, endpoint)

    async def of_partner(
        self, audience: Audience, *, after: uuid.UUID | None = None, limit: int | None = None
    ) -> Sequence[WebhookEndpoint]:
        query = (
            select(ENDPOINTS)
            .where(ENDPOINTS.c.partner_id == audience.partner_id, ENDPOINTS.c.test == audience.test)
            .order_by(ENDPOINTS.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(ENDPOINTS.c.id > after)
        rows = await self.session.execute(query)
        return [endpoint_of(r) for r in rows.mappings()]

    async def failed_deliveries(
        self, audience: Audience, *, after: uuid.UUID | None, limit: int
    ) -> Sequence[tuple[WebhookDelivery, PartnerEvent]]:
        query = (
            select(*joined(DELIVERIES, EVENTS))
            .select_from(
                DELIVERIES.join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id).join(
                    EVENTS, EVENTS.c.id == DELIVERIES.c.event_id
                )
            )
            .where(
                ENDPOINTS.c.partner_id == audience.partner_id,
                ENDPOINTS.c.test == audience.test,
                DELIVERIES.c.status == DeliveryStatus.FAILED.value,
            )
            .order_by(DELIVERIES.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(DELIVERIES.c.id > after)
        rows = (await self.session.execute(query)).mappings()
        return [(delivery_of(_whole(r, DELIVERIES)), event_of(_whole(r, EVENTS))) for r in rows]

    async def delivery(self, delivery_id: uuid.UUID) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
        found = (
            (
                await self.session.execute(
                    select(*joined(DELIVERIES, ENDPOINTS))
                    .select_from(DELIVERIES.join(ENDPOINTS, ENDPOINTS.c.id == DELIVERIES.c.endpoint_id))
                    .where(DELIVERIES.c.id == delivery_id)
                    .with_for_update(of=DELIVERIES)
                )
            )
            .mappings()
            .first()
        )
        return (delivery_of(_whole(found, DELIVERIES)), endpoint_of(_whole(found, ENDPOINTS))) if found else None

    async def save_delivery(self, delivery: WebhookDelivery) -> None:
        await save_delivery(self.session, delivery)
