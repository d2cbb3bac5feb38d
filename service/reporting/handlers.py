"""Portfolio indicators per product, officer or partner and currency, for a period [start, end].

- Active loans, gross outstanding (principal owed), PAR30 and PAR90: from the close of business
  figures of the latest business date of the period (normally ``end``; ``figures_as_of`` says
  which). PAR30 (CGAP) = outstanding principal of loans more than 30 days past due / gross
  outstanding; PAR90 likewise with 90 days.
- Repayment rate = amount collected / amount that fell due, both in the period, in percent:
  fell due = principal + interest + fees of the instalments whose due date is in the period, as
  the loans stand now (instalments cancelled by a prepayment or moved by a reschedule are left
  out, and so are those written off before they fell due); collected = principal, interest and
  fees received, from the ledger by value date in the period (penalties and recoveries are left
  out of both). Arrears caught up and prepayments count when received, so the rate can pass 100.
- Write-off ratio = principal written off in the period (loans whose write-off date is in it) /
  the average of the daily gross outstanding recorded by the close of business in the period.
- Loans disbursed: loans whose disbursement date is in the period.
Ratios are percentages rounded half up to 2 decimals; None when the denominator is zero or missing.

The stock figures (active loans, outstanding, PAR) exist only for days a close of business has
closed: ``stock_figures_note`` says in words when none has run yet, or none in the period, so that
a zero there is not read as an empty portfolio.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import RuleViolation
from domain.loans.model import GroupBy
from domain.money import RoundingMode, quantize, round_figure
from domain.schedules.validation import check_business_date
from service.reporting.ports import PipelineMonth, PortfolioReports

MAX_DAYS = 3660


@dataclass(frozen=True, kw_only=True)
class PortfolioIndicators:
    group_id: uuid.UUID | None
    group_name: str | None
    currency: str
    figures_as_of: date | None
    active_loans: int
    gross_outstanding: Decimal
    par30_percent: Decimal | None
    par90_percent: Decimal | None
    fell_due: Decimal
    collected: Decimal
    repayment_rate_percent: Decimal | None
    written_off_principal: Decimal
    write_off_ratio_percent: Decimal | None
    loans_disbursed: int


@dataclass(frozen=True, kw_only=True)
class PortfolioReport:
    groups: Sequence[PortfolioIndicators]
    last_close_of_business: date | None
    stock_figures_note: str | None


def stock_figures_note(last_close: date | None, *, start: date) -> str | None:
    """Why active loans, outstanding and PAR show nothing, when they cannot (None when they can)."""
    if last_close is None:
        return (
            "no close of business has run yet: active loans, gross outstanding and PAR are unknown"
            " (not zero) until the first one"
        )
    if last_close < start:
        return (
            f"no close of business in the period (the last one closed {last_close.isoformat()}):"
            " active loans, gross outstanding and PAR are unknown for it"
        )
    return None


def _percent(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if not denominator:
        return None
    return round_figure(numerator * 100 / denominator, 2, RoundingMode.HALF_UP)


def _check_period(start: date, end: date) -> None:
    # The same calendar as every business date (1900-2999): PostgreSQL's month arithmetic on year 1
    # never advanced, and a series of months from there never ended.
    check_business_date(start, "from")
    check_business_date(end, "to")
    if start > end:
        raise RuleViolation("must not be after 'to'", code="portfolio.invalid_period", field="from")
    if (end - start).days > MAX_DAYS:
        raise RuleViolation("the period is at most ten years", code="portfolio.invalid_period", field="to")


@dataclass(frozen=True, kw_only=True)
class MonthIndicators:
    month: date
    figures_as_of: date
    currency: str
    active_loans: int
    gross_outstanding: Decimal
    par30_percent: Decimal | None


async def portfolio_by_month(*, start: date, end: date, reports: PortfolioReports) -> list[MonthIndicators]:
    """Active loans, gross outstanding and PAR30 of the whole portfolio at each month's last close of
    business in the period, per currency (the same figures as the indicators', in one read)."""
    _check_period(start, end)
    return [
        MonthIndicators(
            month=m.month,
            figures_as_of=m.figures_as_of,
            currency=m.currency,
            active_loans=m.active_loans,
            gross_outstanding=quantize(m.gross_outstanding, m.currency),
            par30_percent=_percent(m.par30_outstanding, m.gross_outstanding),
        )
        for m in await reports.monthly_stock(start=start, end=end)
    ]


async def pipeline_by_month(*, start: date, end: date, reports: PortfolioReports) -> Sequence[PipelineMonth]:
    """From referral to disbursement, month by month: people referred, applications opened, submitted,
    approved, and files paid out (their first tranche), counted on the lender's calendar."""
    _check_period(start, end)
    return await reports.pipeline(start=start, end=end)


async def portfolio_indicators(
    *, group_by: GroupBy, start: date, end: date, reports: PortfolioReports
) -> PortfolioReport:
    """The indicators of every group with figures in the period (see the module docstring)."""
    if group_by not in tuple(GroupBy):  # typed, but a caller at another door may hand over any text
        raise RuleViolation("must be product, officer or partner", code="portfolio.invalid_group", field="group_by")
    _check_period(start, end)
    result = []
    for f in await reports.figures(group_by=group_by, start=start, end=end):
        result.append(
            PortfolioIndicators(
                group_id=f.group_id,
                group_name=f.group_name,
                currency=f.currency,
                figures_as_of=f.figures_as_of,
                active_loans=f.active_loans,
                gross_outstanding=quantize(f.gross_outstanding, f.currency),
                par30_percent=_percent(f.par30_outstanding, f.gross_outstanding),
                par90_percent=_percent(f.par90_outstanding, f.gross_outstanding),
                fell_due=quantize(f.fell_due, f.currency),
                collected=quantize(f.collected, f.currency),
                repayment_rate_percent=_percent(f.collected, f.fell_due),
                written_off_principal=quantize(f.written_off_principal, f.currency),
                write_off_ratio_percent=_percent(f.written_off_principal, f.average_gross_outstanding),
                loans_disbursed=f.loans_disbursed,
            )
        )
    last_close = await reports.last_close()
    return PortfolioReport(
        groups=result, last_close_of_business=last_close, stock_figures_note=stock_figures_note(last_close, start=start)
    )
