"""Public quote routes: a loan's schedule and TAEG, and the TAEG of custom cash flows."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from domain.errors import RuleViolation
from domain.products.model import QuoteRequest
from domain.schedules import (
    Amortization,
    CashFlow,
    DayCount,
    Fee,
    FeeCollection,
    InterestMethod,
    InterestPeriod,
    RepaymentUnit,
    Schedule,
    compute_apr,
)
from service.kernel.http.guards import PUBLIC
from service.kernel.http.middleware import rate_limit_hook
from service.kernel.http.problems import problems
from service.kernel.http.wire import (
    AmountOut,
    DecimalString,
    InstallmentOut,
    MoneyIn,
    RateOut,
    amount_of,
    checked_amount,
    decimal_of,
    rate_text,
)
from service.products.handlers import quote_loan
from service.services import Services

Unset = msgspec.UnsetType
UNSET: Any = msgspec.UNSET
Count = Annotated[int, msgspec.Meta(ge=0, le=600)]


class FeeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    collection: FeeCollection
    percent_of_principal: DecimalString | None = None
    amount: DecimalString | None = None


class CreateLoanQuoteRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A loan to price. Without ``product_id`` the rate is required; with it, the product's terms are
    the defaults, its limits apply, and the terms it fixes cannot be changed."""

    principal: MoneyIn
    number_of_installments: Annotated[int, msgspec.Meta(ge=1, le=600)]
    annual_interest_rate: DecimalString | Unset = UNSET
    repayment_every: Annotated[int, msgspec.Meta(ge=1, le=366)] | Unset = UNSET
    repayment_unit: RepaymentUnit | Unset = UNSET
    interest_method: InterestMethod | Unset = UNSET
    amortization: Amortization | Unset = UNSET
    interest_period: InterestPeriod | Unset = UNSET
    day_count: DayCount | Unset = UNSET
    principal_grace_installments: Count | Unset = UNSET
    interest_grace_installments: Count | Unset = UNSET
    installment_multiple: DecimalString | Unset = UNSET
    disbursement_date: date | Unset = UNSET
    first_due_date: date | Unset = UNSET
    fees: Annotated[list[FeeIn], msgspec.Meta(max_length=10)] | Unset = UNSET
    product_id: uuid.UUID | None = None


class LoanQuoteResponse(msgspec.Struct, frozen=True):
    currency: str
    installments: list[InstallmentOut]
    total_principal: AmountOut
    total_interest: AmountOut
    total_fees: AmountOut
    total_repayable: AmountOut
    net_disbursed: AmountOut
    apr: RateOut
    product_id: uuid.UUID | None = None
    product_version: int | None = None


class CashFlowIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    date: date
    amount: DecimalString


class CreateAprCalculationRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Cash flows of a custom offer: money lent (drawdowns) and money paid back with every charge."""

    drawdowns: Annotated[list[CashFlowIn], msgspec.Meta(min_length=1, max_length=100)]
    payments: Annotated[list[CashFlowIn], msgspec.Meta(min_length=1, max_length=1200)]


class AprCalculationResponse(msgspec.Struct, frozen=True):
    apr: RateOut


def _given(value: Any, convert: Any = None) -> Any:
    if value is UNSET:
        return None
    return convert(value) if convert else value


def fee_from_wire(fee: FeeIn, index: int, currency: str) -> Fee:
    where = f"fees[{index}]"
    if (fee.percent_of_principal is None) == (fee.amount is None):
        raise_field(f"{where}.percent_of_principal", "give exactly one of percent_of_principal and amount")
    percent = (
        None
        if fee.percent_of_principal is None
        else decimal_of(
            fee.percent_of_principal, f"{where}.percent_of_principal", low=Decimal(0), high=Decimal(100), places=6
        )
    )
    amount = (
        None
        if fee.amount is None
        else checked_amount(decimal_of(fee.amount, f"{where}.amount"), currency, f"{where}.amount", allow_zero=True)
    )
    return Fee(name=fee.name, collection=fee.collection, percent_of_principal=percent, amount=amount)


def raise_field(field: str, message: str) -> None:
    raise RuleViolation(message, code="request.invalid_field", field=field)


def quote_request_from_wire(data: CreateLoanQuoteRequest) -> QuoteRequest:
    principal, currency = amount_of(data.principal, "principal")
    rate = _given(
        data.annual_interest_rate, lambda v: decimal_of(v, "annual_interest_rate", low=Decimal(0), high=Decimal(100))
    )
    fees = (
        None
        if isinstance(data.fees, msgspec.UnsetType)
        else tuple(fee_from_wire(f, i, currency) for i, f in enumerate(data.fees))
    )
    return QuoteRequest(
        principal=principal,
        currency=currency,
        number_of_installments=data.number_of_installments,
        annual_interest_rate=rate,
        repayment_every=_given(data.repayment_every),
        repayment_unit=_given(data.repayment_unit),
        interest_method=_given(data.interest_method),
        amortization=_given(data.amortization),
        interest_period=_given(data.interest_period),
        day_count=_given(data.day_count),
        principal_grace_installments=_given(data.principal_grace_installments),
        interest_grace_installments=_given(data.interest_grace_installments),
        installment_multiple=_given(data.installment_multiple, lambda v: decimal_of(v, "installment_multiple")),
        disbursement_date=_given(data.disbursement_date),
        first_due_date=_given(data.first_due_date),
        fees=fees,
    )


def schedule_out(
    schedule: Schedule, product_id: uuid.UUID | None = None, product_version: int | None = None
) -> LoanQuoteResponse:
    return LoanQuoteResponse(
        currency=schedule.currency,
        installments=[
            InstallmentOut(i.number, i.due_date, i.principal, i.interest, i.fees, i.total, i.principal_remaining)
            for i in schedule.installments
        ],
        total_principal=schedule.total_principal,
        total_interest=schedule.total_interest,
        total_fees=schedule.total_fees,
        total_repayable=schedule.total_repayable,
        net_disbursed=schedule.net_disbursed,
        apr=rate_text(schedule.apr),
        product_id=product_id,
        product_version=product_version,
    )


async def price_loan(data: CreateLoanQuoteRequest, services: Services) -> LoanQuoteResponse:
    """What ``POST /v1/loan-quotes`` answers, whichever lane serves it (see ``fast_quotes``)."""
    quote = await quote_loan(quote_request_from_wire(data), data.product_id, uow=services.uow(), today=services.today())
    version = quote.product
    return schedule_out(quote.schedule, version.product_id if version else None, version.version if version else None)


async def calculate_apr(data: CreateAprCalculationRequest, services: Services) -> AprCalculationResponse:
    """What ``POST /v1/apr-calculations`` answers, whichever lane serves it (see ``fast_quotes``)."""
    drawdowns = [
        CashFlow(on=f.date, amount=decimal_of(f.amount, f"drawdowns[{i}].amount", low=Decimal(0)))
        for i, f in enumerate(data.drawdowns)
    ]
    payments = [
        CashFlow(on=f.date, amount=decimal_of(f.amount, f"payments[{i}].amount", low=Decimal(0)))
        for i, f in enumerate(data.payments)
    ]
    return AprCalculationResponse(apr=rate_text(compute_apr(drawdowns, payments)))


RATE_LIMITED = "too many quotes; try again later"
rate_limited = rate_limit_hook("quote_limiter", RATE_LIMITED)


class QuoteController(Controller):
    """Documents both routes in the contract and serves what the fast lane hands over to Litestar
    (``service.products.http.fast_quotes`` answers the ordinary requests with the same functions)."""

    path = "/v1"
    tags = ["quotes"]

    @post(
        "/loan-quotes",
        **PUBLIC,
        before_request=rate_limited,
        status_code=200,
        operation_id="createLoanQuote",
        summary="Price a loan: its repayment schedule and TAEG",
        responses=problems(400, 404, 422, 429),
    )
    async def create_quote(
        self, data: JSONBody[CreateLoanQuoteRequest], services: NamedDependency[Services]
    ) -> LoanQuoteResponse:
        """Prices a loan with the exact schedule engine: instalments, interest, fees and the TAEG, from a
        product or from explicit terms. Limited per client address (429 with Retry-After)."""
        return await price_loan(data, services)

    @post(
        "/apr-calculations",
        **PUBLIC,
        before_request=rate_limited,
        status_code=200,
        operation_id="createAprCalculation",
        summary="The TAEG of custom cash flows (Directive 2008/48/EC, Annex I)",
        responses=problems(400, 422, 429),
    )
    async def create_apr(
        self, data: JSONBody[CreateAprCalculationRequest], services: NamedDependency[Services]
    ) -> AprCalculationResponse:
        """Computes the annual percentage rate of charge of the cash flows given, exactly as the
        Directive's annex defines it."""
        return await calculate_apr(data, services)
