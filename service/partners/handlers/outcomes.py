"""Partners follow their referrals: outcomes, aggregates, the change feed, consent withdrawal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.errors import NotFound
from domain.identity.model import Principal
from domain.partners.model import FollowedReferral, PartnerEvent, count_by_referral_month, sharing_allowed
from service.partners.ports import Audience, PartnersUnitOfWork


def audience_of(actor: Principal, partner_id: uuid.UUID | None = None) -> Audience:
    """A partner's own view (live or sandbox as its key says); staff act for ``partner_id``, live."""
    if actor.partner_id is not None:
        return Audience(actor.partner_id, test=actor.test)
    if partner_id is None:
        raise NotFound("partner not found", code="partner.not_found")
    return Audience(partner_id)


@dataclass(frozen=True)
class ReferralOutcome:
    """A referral and the milestones its partner may see (none once the person withdrew consent)."""

    referral: FollowedReferral
    milestones: Sequence[PartnerEvent]
    shared: bool


async def _outcomes(
    uow: PartnersUnitOfWork, referrals: Sequence[FollowedReferral], now: datetime
) -> list[ReferralOutcome]:
    shown = [r.id for r in referrals if sharing_allowed(r, now)]
    by_referral: dict[uuid.UUID, list[PartnerEvent]] = {}
    for event in await uow.partner_feed.events_of(shown):
        if event.referral_id is not None:
            by_referral.setdefault(event.referral_id, []).append(event)
    return [ReferralOutcome(r, by_referral.get(r.id, []), r.id in shown) for r in referrals]


async def list_outcomes(
    audience: Audience,
    *,
    partner_reference: str | None,
    after: uuid.UUID | None,
    limit: int,
    uow: PartnersUnitOfWork,
    now: datetime,
) -> list[ReferralOutcome]:
    """The partner's referrals (optionally those with its own reference) and their milestones."""
    async with uow:
        referrals = await uow.partner_feed.referrals(
            audience, partner_reference=partner_reference, after=after, limit=limit
        )
        return await _outcomes(uow, referrals, now)


async def _own_referral(uow: PartnersUnitOfWork, referral_id: uuid.UUID, audience: Audience) -> FollowedReferral:
    referral = await uow.partner_feed.referral(referral_id, for_update=True)
    if referral is None or (referral.partner_id, referral.test) != (audience.partner_id, audience.test):
        raise NotFound("referral not found", code="referral.not_found")
    return referral


async def get_outcome(
    referral_id: uuid.UUID, audience: Audience, *, uow: PartnersUnitOfWork, now: datetime
) -> ReferralOutcome:
    """One referral's milestones; another partner's referral is a 404, as a missing one."""
    async with uow:
        return (await _outcomes(uow, [await _own_referral(uow, referral_id, audience)], now))[0]


@dataclass(frozen=True)
class MonthFigures:
    month: str
    referrals: int
    reached: dict[str, int]


async def outcome_figures(audience: Audience, *, uow: PartnersUnitOfWork, now: datetime) -> list[MonthFigures]:
    """By month of referral: how many referrals, and how many reached each milestone (only referrals
    whose person still consents count)."""
    async with uow:
        referrals = [
            r
            for r in await uow.partner_feed.referrals(audience, partner_reference=None, after=None, limit=None)
            if sharing_allowed(r, now)
        ]
        events = await uow.partner_feed.events_of([r.id for r in referrals])
    return [
        MonthFigures(month, total, reached)
        for month, (total, reached) in count_by_referral_month(referrals, events).items()
    ]


@dataclass(frozen=True)
class FeedPage:
    events: list[PartnerEvent]
    next_cursor: int


async def read_feed(audience: Audience, *, after: int, limit: int, uow: PartnersUnitOfWork, now: datetime) -> FeedPage:
    """The partner's events after ``after`` in feed order. ``next_cursor`` is the last position read
    (the one given when there is nothing new), so a poller passes it back and misses nothing; an
    event about a person who has withdrawn consent is left out from then on."""
    async with uow:
        rows = await uow.partner_feed.events_after(audience, after=after, limit=limit)
    shown = [event for event, referral in rows if referral is None or sharing_allowed(referral, now)]
    return FeedPage(shown, rows[-1][0].position if rows else after)


async def withdraw_consent(
    referral_id: uuid.UUID, *, actor: Principal, uow: PartnersUnitOfWork, now: datetime
) -> ReferralOutcome:
    """The person withdrew the consent to share with the partner (told to the partner or to staff):
    nothing more is shared from now on, and undelivered webhooks about them are not sent."""
    async with uow:
        if actor.is_staff:
            if await uow.partner_feed.referral(referral_id, for_update=True) is None:
                raise NotFound("referral not found", code="referral.not_found")
        else:
            await _own_referral(uow, referral_id, audience_of(actor))
        await uow.partner_feed.withdraw_consent(referral_id, now, actor.subject_id)
        await uow.commit()
        referral = await uow.partner_feed.referral(referral_id)
    assert referral is not None
    return ReferralOutcome(referral, [], False)
