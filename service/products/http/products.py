"""Loan products (versioned), legal ceilings and usury thresholds."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from domain.followup.model import DEFAULT_OFFSETS_MONTHS, MAX_CONTACTS, MAX_OFFSET_MONTHS, check_template
from domain.identity.model import Role
from domain.ids import new_id
from domain.money import RoundingMode, currency_of
from domain.products.model import LegalCeiling, LoanProduct, ProductCategory, ProductTerms, UsuryThreshold
from domain.schedules import Amortization, DayCount, FeeCollection, InterestMethod, InterestPeriod, RepaymentUnit
from service.kernel.http.guards import ALL_STAFF, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import NonEmptyText, Page, next_cursor, published_as
from service.kernel.http.wire import (
    CurrencyCode,
    DecimalString,
    checked_amount,
    decimal_of,
    optional_rate_text,
    rate_text,
    text,
)
from service.products import handlers as uc
from service.products.http.quotes import FeeIn, fee_from_wire
from service.products.http.terms import ServicingTermsIn, ServicingTermsOut, servicing_from_wire, servicing_out
from service.services import Services

Category = ProductCategory
Installments = Annotated[int, msgspec.Meta(ge=1, le=600)]
Grace = Annotated[int, msgspec.Meta(ge=0, le=599)]
FollowUpMonths = Annotated[
    list[Annotated[int, msgspec.Meta(ge=1, le=MAX_OFFSET_MONTHS)]], msgspec.Meta(min_length=1, max_length=MAX_CONTACTS)
]
HUNDRED = Decimal(100)


class ProductTermsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    currency: CurrencyCode
    category: Category
    min_amount: DecimalString
    max_amount: DecimalString
    min_installments: Installments
    max_installments: Installments
    annual_interest_rate: DecimalString
    repayment_every: Annotated[int, msgspec.Meta(ge=1, le=366)] = 1
    repayment_unit: RepaymentUnit = RepaymentUnit.MONTH
    interest_method: InterestMethod = InterestMethod.DECLINING_BALANCE
    amortization: Amortization = Amortization.EQUAL_INSTALLMENTS
    interest_period: InterestPeriod = InterestPeriod.INSTALLMENT
    day_count: DayCount = DayCount.ACTUAL_ACTUAL
    max_principal_grace_installments: Grace = 0
    max_interest_grace_installments: Grace = 0
    fees: Annotated[list[FeeIn], msgspec.Meta(max_length=10)] = msgspec.field(default_factory=list)
    rounding: RoundingMode = RoundingMode.HALF_UP
    installment_multiple: DecimalString = "0.01"
    requires_training: bool = False
    guarantor_coverage_percent: DecimalString = "0"
    servicing: ServicingTermsIn | None = None
    # Months after the business start of the follow-up contacts; absent: 1, 3, 6, 12, 24.
    follow_up_months: FollowUpMonths | None = None
    # The credit committee for this version's files; absent: the lender's default (settings).
    committee_quorum: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    committee_majority_percent: (
        Annotated[
            int, msgspec.Meta(ge=0, le=99, description="a decision needs strictly more than this share of the votes")
        ]
        | None
    ) = None


class FeeOut(msgspec.Struct, frozen=True):
    name: str
    collection: FeeCollection
    percent_of_principal: str | None
    amount: str | None


class ProductTermsOut(msgspec.Struct, frozen=True):
    currency: str
    category: ProductCategory
    min_amount: str
    max_amount: str
    min_installments: int
    max_installments: int
    annual_interest_rate: str
    repayment_every: int
    repayment_unit: RepaymentUnit
    interest_method: InterestMethod
    amortization: Amortization
    interest_period: InterestPeriod
    day_count: DayCount
    max_principal_grace_installments: int
    max_interest_grace_installments: int
    fees: list[FeeOut]
    rounding: RoundingMode
    installment_multiple: str
    requires_training: bool
    guarantor_coverage_percent: str
    servicing: ServicingTermsOut
    follow_up_months: list[int]
    committee_quorum: int | None  # None: the lender's default
    committee_majority_percent: int | None


class CreateLoanProductRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[
        str, msgspec.Meta(min_length=2, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9_-]+$", examples=["CREATION-2026"])
    ]
    name: NonEmptyText
    terms: ProductTermsIn


class AddProductVersionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """New terms for a product. ``expected_version`` is the version you read: a stale one is a 409."""

    expected_version: Annotated[int, msgspec.Meta(ge=1)]
    terms: ProductTermsIn


class UpdateLoanProductRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    active: bool


# The contract's example of a product (service.kernel.http.contract), as a partner reads it.
PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": "0190a5c4-7b1e-7c3a-9f2d-3e4b5a6c7d8e",
    "code": "CREATION-2026",
    "name": "Prêt création d'entreprise",
    "active": True,
    "version": 2,
    "created_at": "2026-01-05T09:00:00Z",
    "terms": {
        "currency": "EUR",
        "category": "professional_microcredit",
        "min_amount": "1000.00",
        "max_amount": "12000.00",
        "min_installments": 6,
        "max_installments": 60,
        "annual_interest_rate": "7.45",
        "repayment_every": 1,
        "repayment_unit": "month",
        "interest_method": "declining_balance",
        "amortization": "equal_installments",
        "interest_period": "installment",
        "day_count": "actual/actual",
        "max_principal_grace_installments": 3,
        "max_interest_grace_installments": 0,
        "fees": [
            {
                "name": "contribution solidaire",
                "collection": "withheld_at_disbursement",
                "percent_of_principal": "5.00",
                "amount": None,
            }
        ],
        "rounding": "half_up",
        "installment_multiple": "0.01",
        "requires_training": True,
        "guarantor_coverage_percent": "50.00",
        "committee_quorum": 2,
        "committee_majority_percent": 50,
        "servicing": {
            "allocation_order": ["penalties", "fees", "interest", "principal"],
            "overpayment": "keep_as_credit",
            "grace_days_before_late": 5,
            "late_fee": "15.00",
            "penalty_annual_rate": "3.00",
            "arrears_buckets": [30, 60, 90],
        },
        "follow_up_months": [1, 3, 6, 12, 24],
    },
}


class LoanProductResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    code: str
    name: str
    active: bool
    version: int
    terms: ProductTermsOut
    created_at: datetime


class ProductVersionResponse(msgspec.Struct, frozen=True):
    product_id: uuid.UUID
    version: int
    terms: ProductTermsOut
    created_at: datetime


class CreateLegalCeilingRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    category: Category
    currency: CurrencyCode
    max_total_outstanding: DecimalString
    max_duration_months: Annotated[int, msgspec.Meta(ge=1, le=600)]
    valid_from: date
    valid_to: date | None = None


class LegalCeilingResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    category: ProductCategory
    currency: str
    max_total_outstanding: str
    max_duration_months: int
    valid_from: date
    valid_to: date | None


class CreateUsuryThresholdRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    category: Category
    currency: CurrencyCode
    amount_above: DecimalString
    amount_up_to: DecimalString | None = None
    max_rate: DecimalString
    valid_from: date
    valid_to: date | None = None


class UsuryThresholdResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    category: ProductCategory
    currency: str
    amount_above: str
    amount_up_to: str | None
    max_rate: str
    valid_from: date
    valid_to: date | None


def terms_from_wire(t: ProductTermsIn, prefix: str = "terms") -> ProductTerms:
    """Domain terms from the wire ``prefix`` object; a rule the domain terms break names their attribute
    (service.kernel.http.field_paths puts it under ``terms``)."""
    currency = currency_of(t.currency).code
    return ProductTerms(
        currency=currency,
        category=ProductCategory(t.category),
        min_amount=checked_amount(decimal_of(t.min_amount, f"{prefix}.min_amount"), currency, f"{prefix}.min_amount"),
        max_amount=checked_amount(decimal_of(t.max_amount, f"{prefix}.max_amount"), currency, f"{prefix}.max_amount"),
        min_installments=t.min_installments,
        max_installments=t.max_installments,
        annual_interest_rate=decimal_of(
            t.annual_interest_rate, f"{prefix}.annual_interest_rate", low=Decimal(0), high=HUNDRED, places=6
        ),
        repayment_every=t.repayment_every,
        repayment_unit=t.repayment_unit,
        interest_method=t.interest_method,
        amortization=t.amortization,
        interest_period=t.interest_period,
        day_count=t.day_count,
        max_principal_grace_installments=t.max_principal_grace_installments,
        max_interest_grace_installments=t.max_interest_grace_installments,
        fees=tuple(fee_from_wire(f, i, currency) for i, f in enumerate(t.fees)),
        rounding=t.rounding,
        installment_multiple=checked_amount(
            decimal_of(t.installment_multiple, f"{prefix}.installment_multiple"),
            currency,
            f"{prefix}.installment_multiple",
        ),
        requires_training=t.requires_training,
        guarantor_coverage_percent=decimal_of(
            t.guarantor_coverage_percent,
            f"{prefix}.guarantor_coverage_percent",
            low=Decimal(0),
            high=HUNDRED,
            places=6,
        ),
        servicing=None if t.servicing is None else servicing_from_wire(t.servicing, currency, f"{prefix}.servicing"),
        follow_up_months=None
        if t.follow_up_months is None
        else check_template(t.follow_up_months, f"{prefix}.follow_up_months"),
        committee_quorum=t.committee_quorum,
        committee_majority_percent=t.committee_majority_percent,
    )


def terms_out(t: ProductTerms) -> ProductTermsOut:
    return ProductTermsOut(
        currency=t.currency,
        category=t.category,
        min_amount=text(t.min_amount),
        max_amount=text(t.max_amount),
        min_installments=t.min_installments,
        max_installments=t.max_installments,
        annual_interest_rate=rate_text(t.annual_interest_rate),
        repayment_every=t.repayment_every,
        repayment_unit=t.repayment_unit,
        interest_method=t.interest_method,
        amortization=t.amortization,
        interest_period=t.interest_period,
        day_count=t.day_count,
        max_principal_grace_installments=t.max_principal_grace_installments,
        max_interest_grace_installments=t.max_interest_grace_installments,
        fees=[
            FeeOut(
                name=f.name,
                collection=f.collection,
                percent_of_principal=optional_rate_text(f.percent_of_principal),
                amount=None if f.amount is None else text(f.amount),
            )
            for f in t.fees
        ],
        rounding=t.rounding,
        installment_multiple=text(t.installment_multiple),
        requires_training=t.requires_training,
        guarantor_coverage_percent=rate_text(t.guarantor_coverage_percent),
        servicing=servicing_out(t.servicing_terms),
        follow_up_months=list(t.follow_up_months or DEFAULT_OFFSETS_MONTHS),
        committee_quorum=t.committee_quorum,
        committee_majority_percent=t.committee_majority_percent,
    )


def product_out(p: LoanProduct) -> LoanProductResponse:
    return LoanProductResponse(
        id=p.id,
        code=p.code,
        name=p.name,
        active=p.active,
        version=p.current.version,
        terms=terms_out(p.current.terms),
        created_at=p.created_at,
    )


def ceiling_out(c: LegalCeiling) -> LegalCeilingResponse:
    return LegalCeilingResponse(
        id=c.id,
        category=c.category,
        currency=c.currency,
        max_total_outstanding=text(c.max_total_outstanding),
        max_duration_months=c.max_duration_months,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
    )


def threshold_out(u: UsuryThreshold) -> UsuryThresholdResponse:
    return UsuryThresholdResponse(
        id=u.id,
        category=u.category,
        currency=u.currency,
        amount_above=text(u.amount_above),
        amount_up_to=None if u.amount_up_to is None else text(u.amount_up_to),
        max_rate=text(u.max_rate),
        valid_from=u.valid_from,
        valid_to=u.valid_to,
    )


# The published names of the pages (see ``published_as``).
LoanProductPage = Annotated[Page[LoanProductResponse], published_as("Page_service.api.products.LoanProductResponse_")]


class LoanProductController(Controller):
    path = "/v1/loan-products"
    tags = ["products"]

    @post(
        "/",
        guards=[allow(Role.ADMIN)],
        operation_id="createLoanProduct",
        summary="Create a loan product",
        responses=problems(400, 401, 403, 409, 422),
    )
    async def create(
        self, data: JSONBody[CreateLoanProductRequest], services: NamedDependency[Services]
    ) -> LoanProductResponse:
        """Creates a product with its first version of terms; the code is unique and never reused."""
        product = await uc.create_product(
            data.code, data.name, terms_from_wire(data.terms), uow=services.uow(), now=services.now()
        )
        return product_out(product)

    @get(
        "/",
        guards=[allow(*ALL_STAFF, partners=True)],
        operation_id="listLoanProducts",
        response_example={"items": [PRODUCT_EXAMPLE], "next_cursor": None},
        summary="List loan products with their current terms",
        responses=problems(400, 401, 403),
    )
    async def list_all(
        self,
        services: NamedDependency[Services],
        cursor: uuid.UUID | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> LoanProductPage:
        """Loan products with their current terms (amounts, rates, instalments, fees), a page at a time
        with `cursor` and `limit`."""
        items = list(await uc.list_products(uow=services.uow(), after=cursor, limit=limit))
        return Page(items=[product_out(p) for p in items], next_cursor=next_cursor([p.id for p in items], limit))

    @get(
        "/{product_id:uuid}",
        guards=[allow(*ALL_STAFF, partners=True)],
        operation_id="getLoanProduct",
        response_example=PRODUCT_EXAMPLE,
        summary="Read a loan product and its current terms",
        responses=problems(400, 401, 403, 404),
    )
    async def read(self, product_id: uuid.UUID, services: NamedDependency[Services]) -> LoanProductResponse:
        """The product with the terms of its current version."""
        return product_out(await uc.get_product(product_id, uow=services.uow()))

    @patch(
        "/{product_id:uuid}",
        guards=[allow(Role.ADMIN)],
        operation_id="updateLoanProduct",
        summary="Offer or withdraw a loan product",
        responses=problems(400, 401, 403, 404),
    )
    async def update(
        self, product_id: uuid.UUID, data: JSONBody[UpdateLoanProductRequest], services: NamedDependency[Services]
    ) -> LoanProductResponse:
        """Makes a product available for new applications or withdraws it; existing applications keep
        theirs."""
        return product_out(await uc.set_product_active(product_id, data.active, uow=services.uow()))

    @post(
        "/{product_id:uuid}/versions",
        guards=[allow(Role.ADMIN)],
        operation_id="addLoanProductVersion",
        summary="Change a product's terms (a new version; existing offers keep theirs)",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def add_version(
        self, product_id: uuid.UUID, data: JSONBody[AddProductVersionRequest], services: NamedDependency[Services]
    ) -> LoanProductResponse:
        """Adds a new version of the terms; applications and offers made earlier keep the version they were
        made with."""
        product = await uc.add_product_version(
            product_id,
            terms_from_wire(data.terms),
            expected_version=data.expected_version,
            uow=services.uow(),
            now=services.now(),
        )
        return product_out(product)

    @get(
        "/{product_id:uuid}/versions/{version:int}",
        guards=[allow(*ALL_STAFF)],
        operation_id="getLoanProductVersion",
        summary="Read one version of a product's terms",
        responses=problems(400, 401, 403, 404),
    )
    async def read_version(
        self,
        product_id: uuid.UUID,
        version: Annotated[int, Parameter(ge=1, le=1_000_000)],
        services: NamedDependency[Services],
    ) -> ProductVersionResponse:
        """The terms of one version of a product, as applications made with it see them."""
        found = await uc.get_product_version(product_id, version, uow=services.uow())
        return ProductVersionResponse(
            product_id=found.product_id,
            version=found.version,
            terms=terms_out(found.terms),
            created_at=found.created_at,
        )


class LegalDataController(Controller):
    path = "/v1"
    tags = ["legal"]

    @post(
        "/legal-ceilings",
        guards=[allow(Role.ADMIN)],
        operation_id="createLegalCeiling",
        summary="Record a legal ceiling (outstanding and duration) from a date",
        responses=problems(400, 401, 403, 422),
    )
    async def create_ceiling(
        self, data: JSONBody[CreateLegalCeilingRequest], services: NamedDependency[Services]
    ) -> LegalCeilingResponse:
        """Adds the ceiling applying from a date; offers and reschedules after that date are checked
        against it."""
        # The ceiling checks itself (domain.products.model.LegalCeiling).
        ceiling = LegalCeiling(
            id=new_id(),
            category=ProductCategory(data.category),
            currency=data.currency,
            max_total_outstanding=decimal_of(data.max_total_outstanding, "max_total_outstanding"),
            max_duration_months=data.max_duration_months,
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        return ceiling_out(await uc.add_legal_ceiling(ceiling, uow=services.uow()))

    @get(
        "/legal-ceilings",
        guards=[allow(*ALL_STAFF)],
        operation_id="listLegalCeilings",
        summary="List legal ceilings, newest first",
        responses=problems(401, 403),
    )
    async def list_ceilings(self, services: NamedDependency[Services]) -> list[LegalCeilingResponse]:
        """The legal ceilings on outstanding amount and duration, each with the date from which it applies."""
        return [ceiling_out(c) for c in await uc.list_legal_ceilings(uow=services.uow())]

    @post(
        "/usury-thresholds",
        guards=[allow(Role.ADMIN)],
        operation_id="createUsuryThreshold",
        summary="Record a quarterly usury threshold for an amount bracket",
        responses=problems(400, 401, 403, 422),
    )
    async def create_threshold(
        self, data: JSONBody[CreateUsuryThresholdRequest], services: NamedDependency[Services]
    ) -> UsuryThresholdResponse:
        """Adds the usury threshold of a quarter for an amount bracket; personal loans priced above it are
        refused."""
        # The threshold checks itself (domain.products.model.UsuryThreshold).
        threshold = UsuryThreshold(
            id=new_id(),
            category=ProductCategory(data.category),
            currency=data.currency,
            amount_above=decimal_of(data.amount_above, "amount_above"),
            amount_up_to=None if data.amount_up_to is None else decimal_of(data.amount_up_to, "amount_up_to"),
            max_rate=decimal_of(data.max_rate, "max_rate", low=Decimal("0.01"), high=HUNDRED, places=6),
            valid_from=data.valid_from,
            valid_to=data.valid_to,
        )
        return threshold_out(await uc.add_usury_threshold(threshold, uow=services.uow()))

    @get(
        "/usury-thresholds",
        guards=[allow(*ALL_STAFF)],
        operation_id="listUsuryThresholds",
        summary="List usury thresholds, newest first",
        responses=problems(401, 403),
    )
    async def list_thresholds(self, services: NamedDependency[Services]) -> list[UsuryThresholdResponse]:
        """The quarterly usury thresholds per amount bracket, newest first."""
        return [threshold_out(u) for u in await uc.list_usury_thresholds(uow=services.uow())]
