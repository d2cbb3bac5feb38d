"""The products' HTTP routes; ``routes()`` is what the app mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from service.products.http.products import LegalDataController, LoanProductController
from service.products.http.quotes import QuoteController


def routes() -> list[ControllerRouterHandler]:
    return [LoanProductController, LegalDataController, QuoteController]
