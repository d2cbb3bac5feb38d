"""Routes for disbursed loans (servicing builds on these)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from domain.loans.model import LoanStatus
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.schemas import Page, next_cursor, published_as
from service.kernel.http.wire import AmountOut, InstallmentOut, RateOut, optional_rate_text, rate_text
from service.services import Services
from service.servicing.handlers.loans import list_loans, loan_overview
from service.servicing.ports import LoanListItem, LoanSearch, StatementLine

ArrearsBucket = Annotated[
    str,
    QueryParameter(
        pattern=r"^(current|\d{1,4}-\d{1,4}|over \d{1,4})$",
        max_length=20,
        description='"current", a range of days past due like "1-30", or "over 90" (the product\'s buckets)',
    ),
]
PageSize = Annotated[int, QueryParameter(ge=1, le=200, description="page size")]


class TrancheOut(msgspec.Struct, frozen=True):
    tranche: int
    amount: AmountOut
    fees_withheld: AmountOut
    value_date: date


class LoanResponse(msgspec.Struct, frozen=True):
    """A loan and the schedule in force: ``amendment`` 0 is the contract's, then 1, 2... for each
    reschedule (numbered from 1 as that amendment numbers them, as GET /v1/loans/{id}/schedule
    shows them); ``annual_interest_rate`` and ``apr`` are its terms (null for an amendment
    recorded before its terms were kept). The contract's own figures are the ``contract_*``."""

    id: uuid.UUID
    application_id: uuid.UUID
    product_id: uuid.UUID
    product_version: int
    currency: str
    principal: AmountOut
    annual_interest_rate: RateOut | None
    apr: RateOut | None
    status: LoanStatus
    disbursed_on: date
    tranches: list[TrancheOut]
    installments: list[InstallmentOut]
    amendment: int
    schedule_starts_on: date
    contract_annual_interest_rate: RateOut
    contract_apr: RateOut
    contract_installments: list[InstallmentOut]


def _drawn_up(installments: Sequence[StatementLine]) -> list[InstallmentOut]:
    """A schedule's instalments as it drew them up, with the principal left after each."""
    remaining = sum((i.scheduled_principal for i in installments), Decimal(0))
    shown = []
    for i in installments:
        remaining -= i.scheduled_principal
        shown.append(
            InstallmentOut(
                i.number,
                i.due_date,
                i.scheduled_principal,
                i.scheduled_interest,
                i.scheduled_fees,
                i.scheduled_total,
                remaining,
            )
        )
    return shown


class LoanSummaryResponse(msgspec.Struct, frozen=True):
    """A loan in the list, as of ``state_as_of`` (its last payment, reschedule or close of business)."""

    id: uuid.UUID
    application_id: uuid.UUID
    applicant_id: uuid.UUID
    borrower_name: str
    borrower_phone: str | None
    officer_id: uuid.UUID
    officer_name: str
    product_id: uuid.UUID
    product_name: str
    partner_id: uuid.UUID | None
    partner_name: str | None
    currency: str
    principal: AmountOut
    outstanding_principal: AmountOut
    status: LoanStatus
    days_past_due: int
    arrears_bucket: str
    next_due_date: date | None
    disbursed_on: date
    state_as_of: date | None


def loan_summary_out(loan: LoanListItem) -> LoanSummaryResponse:
    return LoanSummaryResponse(**{name: getattr(loan, name) for name in LoanSummaryResponse.__struct_fields__})


# The published names of the pages (see ``published_as``).
LoanPage = Annotated[Page[LoanSummaryResponse], published_as("Page_service.api.loans.LoanSummaryResponse_")]


class LoanController(Controller):
    path = "/v1/loans"
    tags = ["loans"]

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="listLoans",
        summary="Find loans by officer, product, partner, borrower, status or arrears bucket (staff only)",
        description="Oldest first; pass ``next_cursor`` as ``cursor`` for the next page. "
        "``borrower_name`` matches part of the name, ignoring case and accents.",
        responses=problems(400, 401, 403, 422),
    )
    async def search(
        self,
        services: NamedDependency[Services],
        officer_id: uuid.UUID | None = None,
        product_id: uuid.UUID | None = None,
        partner_id: uuid.UUID | None = None,
        applicant_id: Annotated[uuid.UUID | None, QueryParameter(description="the borrower")] = None,
        borrower_name: Annotated[str | None, QueryParameter(min_length=1, max_length=200)] = None,
        status: LoanStatus | None = None,
        arrears_bucket: ArrearsBucket | None = None,
        include_test: Annotated[
            bool, QueryParameter(description="also loans of partners' sandbox (made-up) people (left out by default)")
        ] = False,
        cursor: uuid.UUID | None = None,
        limit: PageSize = 50,
    ) -> LoanPage:
        criteria = LoanSearch(
            officer_id=officer_id,
            product_id=product_id,
            partner_id=partner_id,
            applicant_id=applicant_id,
            borrower_name=borrower_name,
            status=status,
            arrears_bucket=arrears_bucket,
            include_test=include_test,
        )
        found = list(await list_loans(criteria, uow=services.uow(), after=cursor, limit=limit))
        return Page(
            items=[loan_summary_out(loan) for loan in found],
            next_cursor=next_cursor([x.id for x in found], limit),
        )

    @get(
        "/{loan_id:uuid}",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="getLoan",
        opt=audited("loan"),
        summary="A loan, its schedule in force, its contract's schedule and tranches (a borrower reads only their own)",
        responses=problems(400, 401, 403, 404),
    )
    async def read(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> LoanResponse:
        """The loan's status and balances, the schedule in force, the contract's schedule and the tranches
        paid out."""
        overview = await loan_overview(loan_id, actor=request.user, uow=services.uow())
        loan, tranches, live = overview.loan, overview.tranches, overview.live
        return LoanResponse(
            id=loan.id,
            application_id=loan.application_id,
            product_id=loan.product_id,
            product_version=loan.product_version,
            currency=loan.currency,
            principal=loan.principal,
            annual_interest_rate=optional_rate_text(live.annual_interest_rate),
            apr=optional_rate_text(live.apr),
            status=LoanStatus(loan.status),
            disbursed_on=loan.disbursed_on,
            tranches=[TrancheOut(t.tranche, t.amount, t.fees_withheld, t.value_date) for t in tranches],
            installments=_drawn_up(live.installments),
            amendment=live.amendment,
            schedule_starts_on=live.starts_on,
            contract_annual_interest_rate=rate_text(loan.annual_interest_rate),
            contract_apr=rate_text(loan.apr),
            contract_installments=[
                InstallmentOut(i.number, i.due_date, i.principal, i.interest, i.fees, i.total, i.principal_remaining)
                for i in loan.installments
            ],
        )
