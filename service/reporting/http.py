"""Portfolio indicators for staff: per product, officer or partner and currency, JSON or CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.types import ControllerRouterHandler

from domain.loans.model import GroupBy
from service.kernel.http.guards import ALL_STAFF, AuthedRequest, allow
from service.kernel.http.problems import problems
from service.kernel.http.wire import AmountOut, RateOut, rate_text
from service.reporting import handlers as uc
from service.services import Services


class PortfolioGroupOut(msgspec.Struct, frozen=True):
    group_id: uuid.UUID | None
    group_name: str | None
    currency: str
    figures_as_of: date | None
    active_loans: int
    gross_outstanding: AmountOut
    par30_percent: RateOut | None
    par90_percent: RateOut | None
    fell_due: AmountOut
    collected: AmountOut
    repayment_rate_percent: RateOut | None
    written_off_principal: AmountOut
    write_off_ratio_percent: RateOut | None
    loans_disbursed: int


class PortfolioIndicatorsResponse(msgspec.Struct, frozen=True, rename={"period_from": "from", "period_to": "to"}):
    """``last_close_of_business`` is the latest day closed (null before the first close);
    ``stock_figures_note`` says when active loans, outstanding and PAR are unknown for the period."""

    group_by: GroupBy
    period_from: date
    period_to: date
    groups: list[PortfolioGroupOut]
    last_close_of_business: date | None
    stock_figures_note: str | None


class MonthIndicatorsOut(msgspec.Struct, frozen=True):
    month: Annotated[date, msgspec.Meta(description="the month's first day")]
    figures_as_of: Annotated[date, msgspec.Meta(description="the month's last business date closed in the period")]
    currency: str
    active_loans: int
    gross_outstanding: AmountOut
    par30_percent: RateOut | None


class PortfolioByMonthResponse(msgspec.Struct, frozen=True, rename={"period_from": "from", "period_to": "to"}):
    period_from: date
    period_to: date
    months: list[MonthIndicatorsOut]


class PipelineMonthOut(msgspec.Struct, frozen=True):
    month: Annotated[date, msgspec.Meta(description="the month's first day")]
    referrals: int
    applications: int
    submitted: int
    approved: int
    disbursed: Annotated[int, msgspec.Meta(description="files paid out (their first tranche) in the month")]


class PipelineResponse(msgspec.Struct, frozen=True, rename={"period_from": "from", "period_to": "to"}):
    period_from: date
    period_to: date
    months: list[PipelineMonthOut]


_COLUMNS = list(PortfolioGroupOut.__struct_fields__)
_PERCENTS = {"par30_percent", "par90_percent", "repayment_rate_percent", "write_off_ratio_percent"}


def _group_out(row: Any) -> PortfolioGroupOut:
    def value(name: str) -> Any:
        figure = getattr(row, name)
        return rate_text(figure) if name in _PERCENTS and figure is not None else figure

    return PortfolioGroupOut(**{name: value(name) for name in _COLUMNS})


def _csv(response: PortfolioIndicatorsResponse) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["group_by", "from", "to", *_COLUMNS])
    for group in response.groups:
        values = [getattr(group, name) for name in _COLUMNS]
        writer.writerow(
            [
                response.group_by,
                response.period_from.isoformat(),
                response.period_to.isoformat(),
                *("" if v is None else str(v) for v in values),
            ]
        )
    return out.getvalue()


class PortfolioController(Controller):
    path = "/v1/portfolio"
    tags = ["portfolio"]

    @get(
        "/indicators",
        guards=[allow(*ALL_STAFF)],
        operation_id="getPortfolioIndicators",
        summary="Active loans, gross outstanding, PAR30/PAR90 (CGAP), repayment rate, write-off ratio and "
        "loans disbursed, per group and currency; CSV with Accept: text/csv or format=csv",
        responses={
            **problems(400, 401, 403, 422),
            200: ResponseSpec(
                data_container=PortfolioIndicatorsResponse,
                description="the indicators (or the same rows as CSV)",
                generate_examples=False,
            ),
        },
    )
    async def indicators(
        self,
        services: NamedDependency[Services],
        request: AuthedRequest,
        group_by: GroupBy,
        period_from: Annotated[date, Parameter(query="from", description="first day of the period")],
        period_to: Annotated[date, Parameter(query="to", description="last day of the period")],
        output: Annotated[Literal["json", "csv"] | None, Parameter(query="format")] = None,
    ) -> Response[Any]:
        """Portfolio indicators over a period, grouped by product, officer or partner, in JSON or CSV."""
        report = await uc.portfolio_indicators(
            group_by=group_by, start=period_from, end=period_to, reports=services.portfolio
        )
        response = PortfolioIndicatorsResponse(
            group_by=group_by,
            period_from=period_from,
            period_to=period_to,
            groups=[_group_out(r) for r in report.groups],
            last_close_of_business=report.last_close_of_business,
            stock_figures_note=report.stock_figures_note,
        )
        wants_csv = output == "csv" or (output is None and "text/csv" in request.headers.get("accept", ""))
        if wants_csv:
            return Response(
                _csv(response),
                media_type="text/csv",  # Litestar adds "; charset=utf-8" to every text/* type
                headers={"Content-Disposition": f'attachment; filename="portfolio-{group_by}-{period_to}.csv"'},
            )
        return Response(response)

    @get(
        "/monthly",
        guards=[allow(*ALL_STAFF)],
        operation_id="getPortfolioByMonth",
        summary="Active loans, gross outstanding and PAR30 of the whole portfolio at each month's last close of "
        "business, per currency",
        responses=problems(400, 401, 403, 422),
    )
    async def monthly(
        self,
        services: NamedDependency[Services],
        period_from: Annotated[date, Parameter(query="from", description="first day of the period")],
        period_to: Annotated[date, Parameter(query="to", description="last day of the period")],
    ) -> PortfolioByMonthResponse:
        """Figures of the last close of business of each month in the period (the dashboard's
        outstanding and PAR30 charts); a month with no close yet is left out."""
        months = await uc.portfolio_by_month(start=period_from, end=period_to, reports=services.portfolio)
        return PortfolioByMonthResponse(
            period_from=period_from,
            period_to=period_to,
            months=[
                MonthIndicatorsOut(
                    month=m.month,
                    figures_as_of=m.figures_as_of,
                    currency=m.currency,
                    active_loans=m.active_loans,
                    gross_outstanding=m.gross_outstanding,
                    par30_percent=rate_text(m.par30_percent) if m.par30_percent is not None else None,
                )
                for m in months
            ],
        )

    @get(
        "/pipeline",
        guards=[allow(*ALL_STAFF)],
        operation_id="getPipelineByMonth",
        summary="From referral to disbursement by month: people referred, applications opened, submitted, "
        "approved and paid out, on the lender's calendar",
        responses=problems(400, 401, 403, 422),
    )
    async def pipeline(
        self,
        services: NamedDependency[Services],
        period_from: Annotated[date, Parameter(query="from", description="first day of the period")],
        period_to: Annotated[date, Parameter(query="to", description="last day of the period")],
    ) -> PipelineResponse:
        """How many people moved through each step of the path in each month of the period, counted on
        the lender's calendar (the dashboard's pipeline chart)."""
        months = await uc.pipeline_by_month(start=period_from, end=period_to, reports=services.portfolio)
        return PipelineResponse(
            period_from=period_from,
            period_to=period_to,
            months=[
                PipelineMonthOut(
                    month=m.month,
                    referrals=m.referrals,
                    applications=m.applications,
                    submitted=m.submitted,
                    approved=m.approved,
                    disbursed=m.disbursed,
                )
                for m in months
            ],
        )


def routes() -> list[ControllerRouterHandler]:
    """What the app mounts for this context."""
    return [PortfolioController]
