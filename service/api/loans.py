"""Routes for disbursed loans (servicing builds on these)."""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency

from service.api.auth import ALL_STAFF, AuthedRequest, allow
from service.api.dependencies import Services
from service.api.problems import problems
from service.api.quotes import InstallmentOut
from service.api.wire import AmountOut, RateOut, rate_text
from service.usecases import applications as uc


class TrancheOut(msgspec.Struct, frozen=True):
    tranche: int
    amount: AmountOut
    fees_withheld: AmountOut
    value_date: date


class LoanResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    application_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
    currency: str
    principal: AmountOut
    annual_interest_rate: RateOut
    apr: RateOut
    status: str
    disbursed_on: date
    tranches: list[TrancheOut]
    installments: list[InstallmentOut]


class LoanController(Controller):
    path = "/v1/loans"
    tags = ["loans"]

    @get(
        "/{loan_id:uuid}",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="getLoan",
        summary="A loan with its contractual schedule and tranches (a borrower reads only their own)",
        responses=problems(400, 401, 403, 404),
    )
    async def read(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> LoanResponse:
        loan, tranches = await uc.get_loan(loan_id, actor=request.user, uow=services.uow())
        return LoanResponse(
            id=loan.id,
            application_id=loan.application_id,
            product_id=loan.product_id,
            product_version=loan.product_version,
            currency=loan.currency,
            principal=loan.principal,
            annual_interest_rate=rate_text(loan.annual_interest_rate),
            apr=rate_text(loan.apr),
            status=loan.status,
            disbursed_on=loan.disbursed_on,
            tranches=[TrancheOut(t.tranche, t.amount, t.fees_withheld, t.value_date) for t in tranches],
            installments=[
                InstallmentOut(i.number, i.due_date, i.principal, i.interest, i.fees, i.total, i.principal_remaining)
                for i in loan.installments
            ],
        )
