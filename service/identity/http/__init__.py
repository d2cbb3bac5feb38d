"""Identity's HTTP routes; ``routes()`` is what the app mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from service.identity.http.users import (
    AuthController,
    BorrowerAuthController,
    BorrowerController,
    PartnerController,
    StaffUserController,
)


def routes() -> list[ControllerRouterHandler]:
    return [AuthController, StaffUserController, PartnerController, BorrowerController, BorrowerAuthController]
