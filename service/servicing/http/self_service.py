"""Borrower self-service routes: the signed-in borrower's own loans, a loan's schedule as a PDF and
as an iCalendar of due dates (staff, and the borrower whose loan it is; anyone else gets 404). The
loan's credit contract is origination's document: ``service.origination.http.applications``.

The borrower's loans come from the token's borrower id, never from an id in the request.
"""

from __future__ import annotations

import uuid
from datetime import date

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from domain.loans.model import LoanStatus
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.wire import AmountOut
from service.kernel.pdf import render_off_the_loop
from service.services import Services
from service.servicing.handlers import self_service as uc
from service.servicing.ports import ScheduleExport, ScheduleRenderer

PDF = "application/pdf"
ICS = "text/calendar"  # Litestar adds "; charset=utf-8" to every text/* type


class BorrowerLoanResponse(msgspec.Struct, frozen=True):
    """One of the borrower's loans as its schedule shows it (as of ``as_of``); ``next_due_amount`` is
    what is left to pay on ``next_due_date``; ``payoff_amount`` is what repaying everything on
    ``payoff_on`` (today) costs, as ``GET /v1/loans/{loan_id}/payoff`` quotes it."""

    id: uuid.UUID
    status: LoanStatus
    currency: str
    principal: AmountOut
    disbursed_on: date
    as_of: date | None
    outstanding_principal: AmountOut
    next_due_date: date | None
    next_due_amount: AmountOut
    days_past_due: int
    payoff_on: date
    payoff_amount: AmountOut


class BorrowerLoansResponse(msgspec.Struct, frozen=True):
    items: list[BorrowerLoanResponse]


async def _file(
    export: ScheduleExport, renderer: ScheduleRenderer, *, media_type: str, extension: str
) -> Response[bytes]:
    stem = "echeancier" if export.language == "fr" else "schedule"
    filename = f"{stem}-{export.statement.loan.id}.{extension}"
    return Response(
        await render_off_the_loop(renderer.render, export),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _file_responses(media_type: str, description: str) -> dict[int, ResponseSpec]:
    return {
        **problems(400, 401, 403, 404),
        200: ResponseSpec(
            data_container=bytes, media_type=media_type, description=description, generate_examples=False
        ),
    }


class BorrowerLoanController(Controller):
    path = "/v1/borrower"
    tags = ["self-service"]

    @get(
        "/loans",
        guards=[allow(borrowers=True)],
        operation_id="listMyLoans",
        summary="The signed-in borrower's loans: status, what is left, the next due date and the payoff amount",
        responses=problems(401, 403),
    )
    async def loans(self, services: NamedDependency[Services], request: AuthedRequest) -> BorrowerLoansResponse:
        """For the signed-in borrower only: each loan with its next due date and amount, days late and
        payoff amount today."""
        loans = await uc.borrower_loans(actor=request.user, uow=services.uow(), today=services.today())
        return BorrowerLoansResponse(
            items=[msgspec.convert(loan, BorrowerLoanResponse, from_attributes=True) for loan in loans]
        )


class ScheduleFileController(Controller):
    path = "/v1/loans"
    tags = ["self-service"]

    @get(
        "/{loan_id:uuid}/schedule.pdf",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="downloadLoanSchedulePdf",
        opt=audited("loan_schedule"),
        summary="The schedule as a PDF, in the borrower's language: instalments, what is paid and due, payments",
        media_type=PDF,
        responses=_file_responses(PDF, "the PDF"),
    )
    async def pdf(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> Response[bytes]:
        """The schedule as a PDF in the borrower's language, with what is paid and due and the payments
        received."""
        export = await uc.schedule_export(
            loan_id, actor=request.user, uow=services.uow(), now=services.now(), today=services.today()
        )
        return await _file(export, services.schedule_pdf, media_type=PDF, extension="pdf")

    @get(
        "/{loan_id:uuid}/schedule.ics",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="downloadLoanScheduleCalendar",
        opt=audited("loan_schedule"),
        summary="The due dates still to pay as an iCalendar file (one all-day event per instalment)",
        media_type=ICS,
        responses=_file_responses(ICS, "the iCalendar file (RFC 5545)"),
    )
    async def calendar(
        self, loan_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> Response[bytes]:
        """An iCalendar file the borrower can import: one all-day event per instalment still owed."""
        export = await uc.schedule_export(
            loan_id, actor=request.user, uow=services.uow(), now=services.now(), today=services.today()
        )
        return await _file(export, services.schedule_calendar, media_type=ICS, extension="ics")
