"""Rules that turn a quote request and an optional product into schedule terms."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

from domain.errors import RuleViolation
from domain.money import RoundingMode, minor_unit, round_figure
from domain.products.model import LegalCeiling, ProductCategory, ProductTerms, QuoteRequest, UsuryThreshold
from domain.schedules import RepaymentUnit, ScheduleTerms, add_period
from domain.schedules.validation import check_business_date, check_first_period, check_last_due_date

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


def check_term_limits(
    product: ProductTerms,
    installments: int,
    *,
    principal_grace: int | None = None,
    interest_grace: int | None = None,
) -> None:
    """The product's term: from ``min_installments`` to ``max_installments`` instalments, and
    deferrals up to its maxima. One rule for quotes, offers, committee decisions and reschedules."""
    if not product.min_installments <= installments <= product.max_installments:
        raise RuleViolation(
            f"{installments} instalments; the product allows {product.min_installments} to {product.max_installments}",
            code="product.limit_exceeded",
            field="number_of_installments",
        )
    for name, asked, limit in (
        ("principal_grace_installments", principal_grace, product.max_principal_grace_installments),
        ("interest_grace_installments", interest_grace, product.max_interest_grace_installments),
    ):
        if asked is not None and asked > limit:
            raise RuleViolation(f"the product allows at most {limit}", code="product.limit_exceeded", field=name)


def term_in_months(terms: ProductTerms, installments: int) -> Decimal:
    """The loan's duration in months, for the legal maximum (5 years for business microcredit)."""
    periods = Decimal(installments * terms.repayment_every)
    if terms.repayment_unit is RepaymentUnit.MONTH:
        return periods
    if terms.repayment_unit is RepaymentUnit.WEEK:
        return periods * 12 / 52
    return periods * 12 / 365


def check_legal_duration(product: ProductTerms, installments: int, ceiling: LegalCeiling | None) -> None:
    """Microcredit is repaid within the legal maximum duration of its category (R518-61 CMF: 5
    years for business loans, 7 for personal ones), kept as data in the ceiling in force."""
    if ceiling is None:
        raise RuleViolation(
            f"no legal maximum duration is in force for {product.category.value} in {product.currency}",
            code="legal.no_ceiling",
            field="number_of_installments",
        )
    months = term_in_months(product, installments)
    if months > ceiling.max_duration_months:
        raise RuleViolation(
            f"{round_figure(months, 1, RoundingMode.HALF_EVEN)} months; "
            f"the law allows at most {ceiling.max_duration_months}",
            code="legal.max_duration_exceeded",
            field="number_of_installments",
        )


def check_usury(product: ProductTerms, apr: Decimal, threshold: UsuryThreshold | None) -> None:
    """A personal loan's TAEG stays at or below the usury rate in force for its amount (L314-6 C.
    conso); business loans are exempt."""
    if product.category is not ProductCategory.PERSONAL_MICROCREDIT:
        return
    if threshold is None:
        raise RuleViolation(
            "no usury threshold is in force for this amount",
            code="legal.no_usury_threshold",
            field="annual_interest_rate",
        )
    if apr > threshold.max_rate:
        raise RuleViolation(
            f"TAEG {apr} %; the usury threshold is {threshold.max_rate} %",
            code="legal.usury_exceeded",
            field="annual_interest_rate",
        )


def periods_until(start: date, end: date, every: int, unit: RepaymentUnit) -> int:
    """How many repayment periods from ``start`` reach ``end`` (a part of a period counts whole)."""
    if unit is RepaymentUnit.MONTH:
        count = max(((end.year - start.year) * 12 + end.month - start.month) // every - 1, 0)
    else:
        count = max((end - start).days // (every * (7 if unit is RepaymentUnit.WEEK else 1)) - 1, 0)
    while add_period(start, every, unit, count) < end:
        count += 1
    return count


def check_whole_term(
    product: ProductTerms,
    *,
    disbursed_on: date,
    first_due_date: date,
    installments: int,
    principal_grace: int,
    interest_grace: int,
    ceiling: LegalCeiling | None,
) -> None:
    """The loan's whole term, from its disbursement to its last due date, within the product's term
    and the legal maximum duration; deferrals within the product's maxima. One rule for offers
    and reschedules."""
    every, unit = product.repayment_every, product.repayment_unit
    check_last_due_date(first_due_date, every, unit, installments)  # before any date arithmetic
    last_due = add_period(first_due_date, every, unit, installments - 1)
    whole_term = periods_until(disbursed_on, last_due, every, unit)
    check_term_limits(product, whole_term, principal_grace=principal_grace, interest_grace=interest_grace)
    check_legal_duration(product, whole_term, ceiling)


def check_reschedule(
    product: ProductTerms,
    *,
    disbursed_on: date,
    starts_on: date,
    first_due_date: date,
    installments: int,
    principal_grace: int,
    interest_grace: int,
    annual_interest_rate: Decimal,
    ceiling: LegalCeiling | None,
) -> None:
    """A reschedule keeps to the loan's product version and to the law, as its offer did: its first
    due date at most one period after ``starts_on`` (its value date, see ``check_first_period``),
    the loan's whole term (``check_whole_term``), a rate no higher than the product's (a lower one
    is a concession). Its TAEG is checked with ``check_usury``."""
    check_first_period(starts_on, first_due_date, product.repayment_every, product.repayment_unit)
    if annual_interest_rate > product.annual_interest_rate:
        raise RuleViolation(
            f"at most the product's {product.annual_interest_rate} %",
            code="product.limit_exceeded",
            field="annual_interest_rate",
        )
    check_whole_term(
        product,
        disbursed_on=disbursed_on,
        first_due_date=first_due_date,
        installments=installments,
        principal_grace=principal_grace,
        interest_grace=interest_grace,
        ceiling=ceiling,
    )


def _check_product_limits(request: QuoteRequest, product: ProductTerms) -> None:
    if request.currency != product.currency:
        raise RuleViolation(f"the product lends in {product.currency}", code="product.limit_exceeded", field="currency")
    if not product.min_amount <= request.principal <= product.max_amount:
        raise RuleViolation(
            f"the product lends from {product.min_amount} to {product.max_amount} {product.currency}",
            code="product.limit_exceeded",
            field="principal",
        )
    check_term_limits(
        product,
        request.number_of_installments,
        principal_grace=request.principal_grace_installments,
        interest_grace=request.interest_grace_installments,
    )
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
