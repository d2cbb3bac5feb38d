"""The partner routes' wire types: events, outcomes, figures, webhooks (msgspec Structs)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import msgspec
from litestar.params import Parameter

from domain.followup.model import BusinessStatus
from domain.partners.model import DeclineCategory, EventType, PartnerEvent, aggregate_keys
from domain.partners.webhooks import DeliveryStatus, EndpointStatus, WebhookDelivery, WebhookEndpoint
from service.kernel.http.schemas import Page, published_as
from service.kernel.http.wire import MoneyOut
from service.partners.handlers import outcomes as uc
from service.partners.handlers import webhooks as hooks

Limit = Annotated[int, Parameter(ge=1, le=200, description="at most this many items")]
FeedCursor = Annotated[
    str,
    Parameter(
        pattern=r"^[0-9]{1,18}$",
        description="the `next_cursor` of the previous page; `0` (the default) reads from the start",
    ),
]


class EventData(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the event says besides its type and date; only the fields of that type are present."""

    decline_category: DeclineCategory | None = None
    loan_amount: Annotated[
        MoneyOut | None, msgspec.Meta(description="only when the person consented to share the amount")
    ] = None
    months: Annotated[Literal[6, 12, 24, 36] | None, msgspec.Meta(description="months after the business start")] = None
    business_status: BusinessStatus | None = None
    endpoint_id: uuid.UUID | None = None
    failed_deliveries: int | None = None


class PartnerEventResponse(msgspec.Struct, frozen=True):
    """One event of the partner's feed; the same object is the ``data`` of a webhook delivery."""

    id: Annotated[uuid.UUID, msgspec.Meta(description="stable: the same in the feed and every webhook")]
    position: Annotated[str, msgspec.Meta(description="its place in the partner's feed (a cursor)")]
    type: EventType
    occurred_on: date
    recorded_at: datetime
    referral_id: uuid.UUID | None
    partner_reference: str | None
    data: EventData
    test: bool


class EventFeedResponse(msgspec.Struct, frozen=True):
    """Events after the cursor in feed order. ``next_cursor`` is always set: pass it as ``cursor`` to
    poll again (it is the cursor sent when nothing new happened)."""

    items: list[PartnerEventResponse]
    # Of the type ``cursor`` is sent in (same pattern and default); always present in answers.
    next_cursor: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,18}$")] = "0"


class MilestoneResponse(msgspec.Struct, frozen=True):
    type: EventType
    occurred_on: date
    data: EventData


class ReferralOutcomeResponse(msgspec.Struct, frozen=True):
    """A referral and the milestones reached; none once the person withdrew consent to sharing."""

    referral_id: uuid.UUID
    partner_reference: str | None
    referred_at: datetime
    consent_withdrawn: bool
    milestones: list[MilestoneResponse]
    test: bool


# The milestones counted in the figures (a closed set in the contract): the path's steps, then the
# business status at each checkpoint, e.g. ``business_active_12_months``.
MilestoneName = StrEnum("MilestoneName", [(key, key) for key in aggregate_keys()])  # type: ignore[misc]


class MilestoneCount(msgspec.Struct, frozen=True):
    milestone: MilestoneName
    referrals: int


class MonthFiguresResponse(msgspec.Struct, frozen=True):
    month: Annotated[
        str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}$", description="month of referral", examples=["2026-11"])
    ]
    referrals: int
    reached: list[MilestoneCount]


class RegisterWebhookRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Annotated[
        str,
        msgspec.Meta(
            min_length=8,
            max_length=2000,
            description="https (http only in development); in production a public address",
        ),
    ]
    event_types: Annotated[
        list[EventType], msgspec.Meta(max_length=20, description="the events to send; empty: all")
    ] = msgspec.field(default_factory=list)


class WebhookResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    url: str
    event_types: list[EventType]
    status: EndpointStatus
    failed_in_a_row: int
    previous_secret_until: datetime | None
    created_at: datetime
    test: bool


class WebhookSecretResponse(msgspec.Struct, frozen=True):
    """The endpoint and its signing secret, shown this once (Standard Webhooks ``whsec_`` form)."""

    endpoint: WebhookResponse
    secret: str


class WebhookDeliveryResponse(msgspec.Struct, frozen=True):
    id: Annotated[uuid.UUID, msgspec.Meta(description="the `webhook-id` header of every attempt")]
    endpoint_id: uuid.UUID
    event: PartnerEventResponse | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None


EventFeedPage = Annotated[EventFeedResponse, published_as("EventFeedResponse")]
OutcomePage = Annotated[Page[ReferralOutcomeResponse], published_as("Page_ReferralOutcomeResponse_")]
WebhookPage = Annotated[Page[WebhookResponse], published_as("Page_WebhookResponse_")]
DeliveryPage = Annotated[Page[WebhookDeliveryResponse], published_as("Page_WebhookDeliveryResponse_")]


def event_out(event: PartnerEvent) -> PartnerEventResponse:
    return msgspec.convert(hooks.event_payload(event), PartnerEventResponse)


def outcome_out(outcome: uc.ReferralOutcome) -> ReferralOutcomeResponse:
    r = outcome.referral
    return ReferralOutcomeResponse(
        referral_id=r.id,
        partner_reference=r.partner_reference,
        referred_at=r.referred_at,
        consent_withdrawn=not outcome.shared,
        milestones=[
            MilestoneResponse(e.type, e.occurred_on, msgspec.convert(dict(e.data), EventData))
            for e in outcome.milestones
        ],
        test=r.test,
    )


def webhook_out(e: WebhookEndpoint) -> WebhookResponse:
    return WebhookResponse(
        id=e.id,
        url=e.url,
        event_types=sorted(e.event_types),
        status=e.status,
        failed_in_a_row=e.failed_in_a_row,
        previous_secret_until=e.previous_secret_until,
        created_at=e.created_at,
        test=e.test,
    )


def delivery_out(d: WebhookDelivery, event: PartnerEvent | None) -> WebhookDeliveryResponse:
    return WebhookDeliveryResponse(
        id=d.id,
        endpoint_id=d.endpoint_id,
        event=event_out(event) if event else None,
        status=d.status,
        attempts=d.attempts,
        last_error=d.last_error,
    )
