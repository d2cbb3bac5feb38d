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

from service.api.auth import ALL_STAFF, AuthedRequest, allow
from service.api.dependencies import Services
from service.api.problems import problems
from service.api.wire import AmountOut
from service.usecases import portfolio as uc


class PortfolioGroupOut(msgspec.Struct, frozen=True):
    group_id: uuid.UUID | None
    group_name: str | None
    currency: str
    figures_as_of: date | None
    active_loans: int
    gross_outstanding: AmountOut
    par30_percent: AmountOut | None
    par90_percent: AmountOut | None
    fell_due: AmountOut
    collected: AmountOut
    repayment_rate_percent: AmountOut | None
    written_off_principal: AmountOut
    write_off_ratio_percent: AmountOut | None
    loans_disbursed: int


class PortfolioIndicatorsResponse(msgspec.Struct, frozen=True, rename={"period_from": "from", "period_to": "to"}):
    group_by: str
    period_from: date
    period_to: date
    groups: list[PortfolioGroupOut]


_COLUMNS = list(PortfolioGroupOut.__struct_fields__)


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
        group_by: Literal["product", "officer", "partner"],
        period_from: Annotated[date, Parameter(query="from", description="first day of the period")],
        period_to: Annotated[date, Parameter(query="to", description="last day of the period")],
        output: Annotated[Literal["json", "csv"] | None, Parameter(query="format")] = None,
    ) -> Response[Any]:
        rows = await uc.portfolio_indicators(
            group_by=group_by, start=period_from, end=period_to, reports=services.portfolio
        )
        response = PortfolioIndicatorsResponse(
            group_by=group_by,
            period_from=period_from,
            period_to=period_to,
            groups=[PortfolioGroupOut(**{name: getattr(r, name) for name in _COLUMNS}) for r in rows],
        )
        wants_csv = output == "csv" or (output is None and "text/csv" in request.headers.get("accept", ""))
        if wants_csv:
            return Response(
                _csv(response),
                media_type="text/csv",  # Litestar adds "; charset=utf-8" to every text/* type
                headers={"Content-Disposition": f'attachment; filename="portfolio-{group_by}-{period_to}.csv"'},
            )
        return Response(response)
