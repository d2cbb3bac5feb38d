"""Partner routes: webhook endpoints, secret rotation, failed deliveries and resends (issue 14)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from domain.identity.model import Principal, Role
from service.kernel.http.guards import AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, next_cursor
from service.partners.handlers import outcomes as uc
from service.partners.handlers import webhooks as hooks
from service.partners.http import examples as ex
from service.partners.http.schemas import (
    DeliveryPage,
    Limit,
    RegisterWebhookRequest,
    WebhookDeliveryResponse,
    WebhookPage,
    WebhookResponse,
    WebhookSecretResponse,
    delivery_out,
    webhook_out,
)
from service.partners.ports import Audience
from service.services import Services

PARTNER = [allow(partners=True)]
NOT_FOUND = problems(400, 401, 403, 404)


def _policy(services: Services) -> hooks.UrlPolicy:
    return hooks.UrlPolicy(
        require_https=services.settings.webhook_require_https, allow_private=services.settings.webhook_allow_private
    )


async def _register(
    data: RegisterWebhookRequest, actor: Principal, partner_id: uuid.UUID | None, services: Services
) -> WebhookSecretResponse:
    endpoint, secret = await hooks.register_endpoint(
        hooks.RegisterEndpoint(url=data.url, event_types=frozenset(data.event_types)),
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
        request_example=ex.REGISTER,
        response_example=ex.WITH_SECRET,
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
        response_example=ex.ENDPOINTS,
        summary="The partner's webhook endpoints (never their secrets)",
        description="A page at a time with `cursor` and `limit`; a sandbox key lists its test endpoints.",
        responses=problems(400, 401, 403),
    )
    async def list_endpoints(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> WebhookPage:
        audience = uc.audience_of(request.user)
        found = await hooks.list_endpoints(audience, uow=services.uow(), after=cursor, limit=limit)
        return Page(items=[webhook_out(e) for e in found], next_cursor=next_cursor([e.id for e in found], limit))

    @post(
        "/webhooks/{endpoint_id:uuid}/secret-rotation",
        guards=PARTNER,
        operation_id="rotateWebhookSecret",
        response_example=ex.ROTATED,
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
        response_example=ex.ENDPOINT,
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
        response_example=ex.FAILED,
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
            next_cursor=next_cursor([d.id for d, _ in found], limit),
        )

    @post(
        "/webhook-deliveries/{delivery_id:uuid}/resend",
        guards=PARTNER,
        operation_id="resendWebhookDelivery",
        response_example=ex.RESENT,
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
    async def list_endpoints(
        self,
        partner_id: uuid.UUID,
        services: NamedDependency[Services],
        cursor: uuid.UUID | None = None,
        limit: Limit = 50,
    ) -> WebhookPage:
        found = await hooks.list_endpoints(Audience(partner_id), uow=services.uow(), after=cursor, limit=limit)
        return Page(items=[webhook_out(e) for e in found], next_cursor=next_cursor([e.id for e in found], limit))
