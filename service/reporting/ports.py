"""What the portfolio reports read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, kw_only=True)
class PortfolioFigures:
    """Raw figures of one group and currency for a period (see ``service.reporting.handlers``)."""

    group_id: uuid.UUID | None
    group_name: str | None
    currency: str
    figures_as_of: date | None
    active_loans: int
    gross_outstanding: Decimal
    par30_outstanding: Decimal
    par90_outstanding: Decimal
    fell_due: Decimal
    collected: Decimal
    written_off_principal: Decimal
    average_gross_outstanding: Decimal | None
    loans_disbursed: int


@dataclass(frozen=True, kw_only=True)
class PipelineMonth:
    """What went through the pipeline in a month (dates in the lender's time zone): people referred,
    applications opened, submitted, approved by the committee, and files paid out (first tranche)."""

    month: date
    referrals: int
    applications: int
    submitted: int
    approved: int
    disbursed: int


@dataclass(frozen=True, kw_only=True)
class MonthStock:
    """The whole portfolio of one currency at a month's last closed business date."""

    month: date
    figures_as_of: date
    currency: str
    active_loans: int
    gross_outstanding: Decimal
    par30_outstanding: Decimal


class PortfolioReports(Protocol):
    async def figures(self, *, group_by: str, start: date, end: date) -> Sequence[PortfolioFigures]: ...
    async def monthly_stock(self, *, start: date, end: date) -> Sequence[MonthStock]:
        """Per month and currency, the stock at the month's last business date closed within [start, end]."""
        ...

    async def pipeline(self, *, start: date, end: date) -> Sequence[PipelineMonth]:
        """One line per month from ``start``'s month to ``end``'s, counting events dated in [start, end]."""
        ...

    async def last_close(self) -> date | None:
        """The latest business date whose close of business finished (None before the first)."""
        ...
