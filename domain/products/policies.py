"""Rules that turn a quote request and an optional product into schedule terms."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from domain.errors import RuleViolation
from domain.money import minor_unit
from domain.products.model import ProductTerms, QuoteRequest
from domain.schedules import RepaymentUnit, ScheduleTerms, add_period
from domain.schedules.validation import check_business_date

# Terms a product fixes: a client may repeat them but not change them.
FIXED_BY_PRODUCT = (
    "annual_interest_rate",
    "repayment_every",
    "repayment_unit",
    "interest_method",
    "amortization",
    "interest_period",
    "day_count",
    "installment_multiple",
    "fees",
)


def _check_product_limits(request: QuoteRequest, product: ProductTerms) -> None:
    if request.currency != product.currency:
        raise RuleViolation(
            f"the product lends in {product.currency}", code="product.limit_exceeded", field="principal.currency"
        )
    if not product.min_amount <= request.principal <= product.max_amount:
        raise RuleViolation(
            f"the product lends from {product.min_amount} to {product.max_amount} {product.currency}",
            code="product.limit_exceeded",
            field="principal.amount",
        )
    if not product.min_installments <= request.number_of_installments <= product.max_installments:
        raise RuleViolation(
            f"the product allows {product.min_installments} to {product.max_installments} instalments",
            code="product.limit_exceeded",
            field="number_of_installments",
        )
    for name, limit in (
        ("principal_grace_installments", product.max_principal_grace_installments),
        ("interest_grace_installments", product.max_interest_grace_installments),
    ):
        asked = getattr(request, name)
        if asked is not None and asked > limit:
            raise RuleViolation(f"the product allows at most {limit}", code="product.limit_exceeded", field=name)
    for name in FIXED_BY_PRODUCT:
        asked = getattr(request, name)
        if asked is not None and asked != getattr(product, name):
            raise RuleViolation(
                f"{name} is fixed by the product ({getattr(product, name)})", code="product.term_fixed", field=name
            )


_REQUEST_FIELDS = tuple(f.name for f in fields(QuoteRequest))


def schedule_terms_for(request: QuoteRequest, product: ProductTerms | None, *, today: date) -> ScheduleTerms:
    """The schedule terms of a quote: the request's values, else the product's, else the defaults.

    With a product, its limits apply (amount, term, deferral) and its fixed terms (rate, frequency,
    method, fees...) cannot be changed. Without one, the rate is required.
    """
    if product is not None:
        _check_product_limits(request, product)
    values: dict[str, object] = {}
    if product is not None:
        values.update({name: getattr(product, name) for name in FIXED_BY_PRODUCT})
        values["rounding"] = product.rounding
    for name in _REQUEST_FIELDS:
        value = getattr(request, name)
        if value is not None:
            values[name] = value
    if values.get("annual_interest_rate") is None:
        raise RuleViolation(
            "required unless product_id is given", code="quote.rate_required", field="annual_interest_rate"
        )
    # A multiple finer than the currency's minor unit is meaningless (a yen has no cents).
    values.setdefault("installment_multiple", minor_unit(request.currency))
    disbursed = request.disbursement_date or today
    check_business_date(disbursed, "disbursement_date")  # before the default first due date is worked out
    every = int(values.get("repayment_every", 1))  # type: ignore[call-overload]
    unit = values.get("repayment_unit", RepaymentUnit.MONTH)
    assert isinstance(unit, RepaymentUnit)
    values["disbursement_date"] = disbursed
    values["first_due_date"] = request.first_due_date or add_period(disbursed, every, unit, 1, None)
    return ScheduleTerms(**values)  # type: ignore[arg-type]
