"""The quote form: a product, an amount and a term give the schedule and the TAEG as the borrower
will see them on the offer (the API's quote use case; a GET, so nothing is posted twice)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.errors import DomainError, RuleViolation
from domain.identity.model import Principal
from domain.products.model import QuoteRequest
from service.kernel.http.guards import ALL_STAFF, allow
from service.products.handlers import list_products, quote_loan
from service.services import Services
from service.ui.forms import Form
from service.ui.rendering import page, page_language

FIELDS = ("product_id", "amount", "installments", "disbursement_date")


@get("/ui/quote", guards=[allow(*ALL_STAFF)])
async def quote(request: Request[Principal, Any, Any], services: NamedDependency[Services]) -> Template:
    products = [p for p in await list_products(uow=services.uow(), after=None, limit=200) if p.active]
    form = Form({name: request.query_params.get(name, "").strip() for name in FIELDS})
    schedule, status = None, 200
    if form.get("amount"):
        try:
            schedule = await _price(form, products, services)
        except DomainError as error:
            form.refuse(error, page_language(request))
            status = 422
    return page(request, "quote.html", status=status, form=form, products=products, schedule=schedule)


async def _price(form: Form, products: list[Any], services: Services) -> Any:
    product = next((p for p in products if str(p.id) == form.get("product_id")), None)
    if product is None:
        raise RuleViolation("required", field="product_id", code="form.required")
    disbursement = form.get("disbursement_date")
    try:
        on = date.fromisoformat(disbursement) if disbursement else None
    except ValueError:
        raise RuleViolation("not a date", field="disbursement_date", code="form.not_a_date") from None
    request = QuoteRequest(
        principal=form.decimal("amount"),
        currency=product.current.terms.currency,
        number_of_installments=form.integer("installments"),
        disbursement_date=on,
    )
    return (await quote_loan(request, product.id, uow=services.uow(), today=services.today())).schedule


ROUTES = [quote]
