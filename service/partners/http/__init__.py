"""The partners context's HTTP routes; ``routes()`` is what the app mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from service.partners.http.outcomes import PartnerOutcomesController
from service.partners.http.webhooks import PartnerWebhooksAdminController, PartnerWebhooksController


def routes() -> list[ControllerRouterHandler]:
    return [PartnerOutcomesController, PartnerWebhooksController, PartnerWebhooksAdminController]
