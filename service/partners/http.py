"""Partner routes: outcomes of its referrals, figures, the change feed, webhooks (issue 14)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from domain.identity.model import Principal, Role
from domain.partners.model import EventType, PartnerEvent
from domain.partners.webhooks import WebhookDelivery, WebhookEndpoint
from service.kernel.http.guards import AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, published_as
from service.kernel.http.wire import MoneyOut
from service.partners.handlers import outcomes as uc
from service.partners.handlers import webhooks as hooks
from service.partners.ports import Audience
from service.services import Services

Limit = Annotated[int, Parameter(ge=1, le=200, description="at most this many items")]
EventTypeName = Literal[
    "referral.contacted",
    "referral.training_started",
    "referral.training_completed",
    "referral.application_submitted",
    "referral.approved",
    "referral.declined",
    "referral.loan_disbursed",
    "referral.business_checkpoint",
    "referral.withdrawn",
    "webhook.endpoint_disabled",
]
DeclineCategoryName = Literal["project_viability", "repayment_capacity", "eligibility", "incomplete_file", "other"]
BusinessStatusName = Literal["active", "in_difficulty", "closed"]
FeedCursor = Annotated[
    str,
    Parameter(
        pattern=r"^[0-9]{1,18}$",
        description="the `next_cursor` of the previous page; `0` (the default) reads from the start",
    ),
]


class EventData(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the event says besides its type and date; only the fields of that type are present."""

    decline_category: DeclineCategoryName | None = None
    loan_amount: Annotated[
        MoneyOut | None, msgspec.Meta(description="only when the person consented to share the amount")
    ] = None
    months: Annotated[Literal[6, 12, 24, 36] | None, msgspec.Meta(description="months after the business start")] = None
    business_status: BusinessStatusName | None = None
    endpoint_id: uuid.UUID | None = None
    failed_deliveries: int | None = None


class PartnerEventResponse(msgspec.Struct, frozen=True):
    """One event of the partner's feed; the same object is the ``data`` of a webhook delivery."""

    id: Annotated[uuid.UUID, msgspec.Meta(description="stable: the same in the feed and every webhook")]
    position: Annotated[str, msgspec.Meta(description="its place in the partner's feed (a cursor)")]
    type: EventTypeName
    occurred_on: date
    recorded_at: datetime
    referral_id: uuid.UUID | None
    partner_reference: str | None
    data: EventData
    test: bool


class EventFeedResponse(msgspec.Struct, frozen=True):
    """Events after the cursor in feed order. ``next_cursor`` is always set: pass it as ``after`` to
    poll again (it is the cursor sent when nothing new happened)."""

    items: list[PartnerEventResponse]
    next_cursor: str


class MilestoneResponse(msgspec.Struct, frozen=True):
    type: EventTypeName
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


class MilestoneCount(msgspec.Struct, frozen=True):
    milestone: str
    referrals: int


class MonthFiguresResponse(msgspec.Struct, frozen=True):
    month: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}$", description="month of referral")]
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
        list[EventTypeName], msgspec.Meta(max_length=20, description="the events to send; empty: all")
    ] = msgspec.field(default_factory=list)


class WebhookResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    url: str
    event_types: list[EventTypeName]
    status: Literal["active", "disabled"]
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
    status: Literal["pending", "sent", "failed", "cancelled"]
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
            MilestoneResponse(e.type.value, e.occurred_on, msgspec.convert(dict(e.data), EventData))  # type: ignore[arg-type]
            for e in outcome.milestones
        ],
        test=r.test,
    )


def webhook_out(e: WebhookEndpoint) -> WebhookResponse:
    return WebhookResponse(
        id=e.id,
        url=e.url,
        event_types=sorted(t.value for t in e.event_types),  # type: ignore[misc]
        status=e.status.value,  # type: ignore[arg-type]
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
        status=d.status.value,  # type: ignore[arg-type]
        attempts=d.attempts,
        last_error=d.last_error,
    )


def _policy(services: Services) -> hooks.UrlPolicy:
    return hooks.UrlPolicy(
        require_https=services.settings.webhook_require_https, allow_private=services.settings.webhook_allow_private
    )


PARTNER = [allow(partners=True)]
NOT_FOUND = problems(400, 401, 403, 404)


class PartnerOutcomesController(Controller):
    path = "/v1/partner"
    tags = ["partner outcomes"]

    @get(
        "/referrals",
        guards=PARTNER,
        operation_id="listReferralOutcomes",
        summary="The partner's referrals and the milestones each person reached",
        description="Milestones with their dates: contacted, training started/completed, application "
        "submitted, approved or declined (with a category), loan disbursed (the amount only with the "
        "person's consent), business status at 6/12/24/36 months, withdrawn. Never repayments or amounts "
        "owed. Filter by your own `partner_reference`. A sandbox key sees its test referrals only.",
        responses=problems(400, 401, 403),
    )
    async def list_outcomes(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        partner_reference: Annotated[str | None, Parameter(max_length=100)] = None,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> OutcomePage:
        found = await uc.list_outcomes(
            uc.audience_of(request.user),
            partner_reference=partner_reference,
            after=cursor,
            limit=limit,
            uow=services.uow(),
            now=services.now(),
        )
        return Page(
            items=[outcome_out(o) for o in found],
            next_cursor=str(found[-1].referral.id) if len(found) == limit else None,
        )

    @get(
        "/referrals/{referral_id:uuid}",
        guards=PARTNER,
        operation_id="getReferralOutcome",
        summary="One referral's milestones",
        description="Another partner's referral is a 404, as a missing one.",
        responses=NOT_FOUND,
    )
    async def get_outcome(
        self, referral_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> ReferralOutcomeResponse:
        audience = uc.audience_of(request.user)
        return outcome_out(await uc.get_outcome(referral_id, audience, uow=services.uow(), now=services.now()))

    @post(
        "/referrals/{referral_id:uuid}/consent-withdrawal",
        guards=[allow(Role.ADMIN, Role.LOAN_OFFICER, partners=True)],
        operation_id="withdrawReferralConsent",
        summary="The person withdrew consent to sharing with the partner",
        description="From now on nothing more about the person reaches the partner: no milestones, no "
        "feed events, and webhooks not yet delivered are cancelled. Said by the partner or by staff.",
        status_code=200,
        responses=NOT_FOUND,
    )
    async def withdraw_consent(
        self, referral_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> ReferralOutcomeResponse:
        outcome = await uc.withdraw_consent(referral_id, actor=request.user, uow=services.uow(), now=services.now())
        return outcome_out(outcome)

    @get(
        "/outcome-figures",
        guards=PARTNER,
        operation_id="getOutcomeFigures",
        summary="By month of referral: how many referrals reached each milestone",
        description="Counts over the partner's own referrals whose person still consents to sharing.",
        responses=problems(401, 403),
    )
    async def figures(self, services: NamedDependency[Services], request: AuthedRequest) -> list[MonthFiguresResponse]:
        months = await uc.outcome_figures(uc.audience_of(request.user), uow=services.uow(), now=services.now())
        return [
            MonthFiguresResponse(m.month, m.referrals, [MilestoneCount(k, v) for k, v in m.reached.items()])
            for m in months
        ]

    @get(
        "/events",
        guards=PARTNER,
        operation_id="listPartnerEvents",
        summary="The partner's change feed: events after a cursor, in order, each once",
        description="Poll with `after` = the last `next_cursor`. An event committed late never appears "
        "before an earlier position, so a poller misses nothing and sees nothing twice. Event ids are "
        "stable and equal the webhook payloads' `data.id`.",
        responses=problems(400, 401, 403),
    )
    async def events(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        after: FeedCursor = "0",
        limit: Limit = 100,
    ) -> EventFeedPage:
        page = await uc.read_feed(
            uc.audience_of(request.user), after=int(after), limit=limit, uow=services.uow(), now=services.now()
        )
        return EventFeedResponse([event_out(e) for e in page.events], str(page.next_cursor))


async def _register(
    data: RegisterWebhookRequest, actor: Principal, partner_id: uuid.UUID | None, services: Services
) -> WebhookSecretResponse:
    endpoint, secret = await hooks.register_endpoint(
        hooks.RegisterEndpoint(url=data.url, event_types=frozenset(EventType(t) for t in data.event_types)),
        uc.audience_of(actor, partner_id),
        policy=_policy(services),
        uow=services.uow(),
        now=services.now(),
    )
    return WebhookSecretResponse(webhook_out(endpoint), secret)


class PartnerWebhooksController(Controller):
    path = "/v1/partner"
    tags = ["partner webhooks"]

    @post(
        "/webhooks",
        guards=PARTNER,
        operation_id="registerWebhook",
        summary="Register a webhook endpoint; its signing secret is shown this once",
        description="Deliveries follow Standard Webhooks: headers `webhook-id` (stable across retries), "
        "`webhook-timestamp`, `webhook-signature` (HMAC-SHA256 with the secret). Failed deliveries are "
        "retried with exponential backoff for about a day, then marked failed; an endpoint failing "
        "repeatedly is disabled and a `webhook.endpoint_disabled` event tells the partner.",
        responses=problems(400, 401, 403, 422),
    )
    async def register(
        self, data: JSONBody[RegisterWebhookRequest], services: NamedDependency[Services], request: AuthedRequest
    ) -> WebhookSecretResponse:
        return await _register(data, request.user, None, services)

    @get(
        "/webhooks",
        guards=PARTNER,
        operation_id="listWebhooks",
        summary="The partner's webhook endpoints (never their secrets)",
        description="All of them in one page (`next_cursor` is null); a sandbox key lists its test endpoints.",
        responses=problems(401, 403),
    )
    async def list_endpoints(self, services: NamedDependency[Services], request: AuthedRequest) -> WebhookPage:
        found = await hooks.list_endpoints(uc.audience_of(request.user), uow=services.uow())
        return Page(items=[webhook_out(e) for e in found], next_cursor=None)

    @post(
        "/webhooks/{endpoint_id:uuid}/secret-rotation",
        guards=PARTNER,
        operation_id="rotateWebhookSecret",
        summary="A new signing secret, shown this once; the old one keeps signing during the overlap",
        description="Until `previous_secret_until` every delivery carries two signatures (new and old "
        "secret), so the receiver can switch at any moment of the overlap.",
        status_code=200,
        responses=NOT_FOUND,
    )
    async def rotate(
        self, endpoint_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> WebhookSecretResponse:
        endpoint, secret = await hooks.rotate_secret(
            endpoint_id,
            uc.audience_of(request.user),
            overlap=timedelta(hours=services.settings.webhook_secret_overlap_hours),
            uow=services.uow(),
            now=services.now(),
        )
        return WebhookSecretResponse(webhook_out(endpoint), secret)

    @post(
        "/webhooks/{endpoint_id:uuid}/enabling",
        guards=PARTNER,
        operation_id="enableWebhook",
        summary="Put a disabled endpoint back in service",
        description="Its failure count starts from zero. Deliveries that failed meanwhile stay failed: "
        "list them and ask for a resend.",
        status_code=200,
        responses=NOT_FOUND,
    )
    async def enable(
        self, endpoint_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> WebhookResponse:
        return webhook_out(await hooks.enable_endpoint(endpoint_id, uc.audience_of(request.user), uow=services.uow()))

    @get(
        "/webhook-deliveries/failed",
        guards=PARTNER,
        operation_id="listFailedWebhookDeliveries",
        summary="Deliveries given up after every retry, oldest first",
        description="Each with the event it carried and the last error (`http_500`, `timeout`, "
        "`unreachable:...`, `refused:private_address`).",
        responses=problems(400, 401, 403),
    )
    async def failed(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> DeliveryPage:
        found = await hooks.failed_deliveries(
            uc.audience_of(request.user), after=cursor, limit=limit, uow=services.uow()
        )
        return Page(
            items=[delivery_out(d, e) for d, e in found],
            next_cursor=str(found[-1][0].id) if len(found) == limit else None,
        )

    @post(
        "/webhook-deliveries/{delivery_id:uuid}/resend",
        guards=PARTNER,
        operation_id="resendWebhookDelivery",
        summary="Send a failed delivery again (same webhook-id, a fresh round of retries)",
        description="Only a failed delivery (422 `webhook.delivery_not_failed` otherwise); the worker sends "
        "it within a minute, with the same `webhook-id` so a receiver can recognise a duplicate.",
        status_code=202,
        responses=problems(400, 401, 403, 404, 422),
    )
    async def resend(
        self, delivery_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> WebhookDeliveryResponse:
        delivery = await hooks.resend_delivery(
            delivery_id, uc.audience_of(request.user), uow=services.uow(), now=services.now()
        )
        return delivery_out(delivery, None)


class PartnerWebhooksAdminController(Controller):
    path = "/v1/partners/{partner_id:uuid}/webhooks"
    tags = ["partner webhooks"]

    @post(
        "/",
        guards=[allow(Role.ADMIN)],
        operation_id="registerWebhookForPartner",
        status_code=201,
        summary="An admin registers a (live) webhook endpoint for a partner; the secret is shown this once",
        description="As `registerWebhook`, for a partner that cannot call the API itself yet.",
        responses=problems(400, 401, 403, 404, 422),
    )
    async def register(
        self,
        partner_id: uuid.UUID,
        data: JSONBody[RegisterWebhookRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> WebhookSecretResponse:
        return await _register(data, request.user, partner_id, services)

    @get(
        "/",
        guards=[allow(Role.ADMIN)],
        operation_id="listWebhooksOfPartner",
        summary="A partner's webhook endpoints (never their secrets)",
        description="Its live endpoints, with their status and failure count.",
        responses=problems(400, 401, 403, 404),
    )
    async def list_endpoints(self, partner_id: uuid.UUID, services: NamedDependency[Services]) -> WebhookPage:
        found = await hooks.list_endpoints(Audience(partner_id), uow=services.uow())
        return Page(items=[webhook_out(e) for e in found], next_cursor=None)


def routes() -> list[type[Controller] | Router]:
    return [PartnerOutcomesController, PartnerWebhooksController, PartnerWebhooksAdminController]
