"""Portfolio indicators read in PostgreSQL: the day's figures of the close of business, the
instalments that fell due, the ledger's collections by value date, write-offs and disbursements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.reporting.ports import MonthStock, PipelineMonth, PortfolioFigures

_GROUPS = {
    "product": ("product_id", "SELECT id, name FROM loan_products"),
    "officer": ("officer_id", "SELECT id, full_name AS name FROM staff_users"),
    "partner": ("partner_id", "SELECT id, name FROM partners"),
}

_FIGURES = """
WITH snapshot AS (
    SELECT max(business_date) AS day, count(DISTINCT business_date) AS days
    FROM portfolio_daily WHERE business_date BETWEEN :start AND :end
),
stock AS (
    SELECT p.{g} AS group_id, p.currency, s.day, sum(p.active_loans) AS active_loans,
           sum(p.gross_outstanding) AS gross, sum(p.par30_outstanding) AS par30, sum(p.par90_outstanding) AS par90
    FROM portfolio_daily p JOIN snapshot s ON p.business_date = s.day
    GROUP BY 1, 2, 3
),
average AS (
    SELECT p.{g} AS group_id, p.currency, sum(p.gross_outstanding) / max(s.days) AS average_gross
    FROM portfolio_daily p CROSS JOIN snapshot s
    WHERE p.business_date BETWEEN :start AND :end
    GROUP BY 1, 2
),
fell_due AS (
    SELECT l.{g} AS group_id, l.currency, sum(i.principal_due + i.interest_due + i.fees_due) AS amount
    FROM loan_installments i JOIN loans l ON l.id = i.loan_id
    WHERE i.due_date BETWEEN :start AND :end
      AND i.status NOT IN ('cancelled', 'rescheduled')
      AND NOT (i.status = 'written_off' AND i.due_date > l.written_off_on)
    GROUP BY 1, 2
),
collected AS (
    SELECT l.{g} AS group_id, l.currency, -sum(e.amount) AS amount
    FROM ledger_transactions t
    JOIN ledger_entries e ON e.transaction_id = t.id
    JOIN loans l ON l.id = t.loan_id
    WHERE t.value_date BETWEEN :start AND :end AND t.kind <> 'disbursement'
      AND e.account IN ('loan_principal', 'loan_losses', 'interest_income', 'fee_income')
    GROUP BY 1, 2
),
written_off AS (
    SELECT l.{g} AS group_id, l.currency, sum(i.principal_due - i.principal_paid) AS amount
    FROM loans l JOIN loan_installments i ON i.loan_id = l.id
    WHERE l.written_off_on BETWEEN :start AND :end AND i.status = 'written_off'
    GROUP BY 1, 2
),
disbursed AS (
    SELECT l.{g} AS group_id, l.currency, count(*) AS loans
    FROM loans l WHERE l.disbursed_on BETWEEN :start AND :end
    GROUP BY 1, 2
),
keys AS (
    SELECT group_id, currency FROM stock UNION SELECT group_id, currency FROM fell_due
    UNION SELECT group_id, currency FROM collected UNION SELECT group_id, currency FROM written_off
    UNION SELECT group_id, currency FROM disbursed
)
SELECT k.group_id, n.name AS group_name, k.currency, (SELECT day FROM snapshot) AS figures_as_of,
       coalesce(s.active_loans, 0) AS active_loans, coalesce(s.gross, 0) AS gross,
       coalesce(s.par30, 0) AS par30, coalesce(s.par90, 0) AS par90,
       coalesce(f.amount, 0) AS fell_due, coalesce(c.amount, 0) AS collected,
       coalesce(w.amount, 0) AS written_off, a.average_gross, coalesce(d.loans, 0) AS disbursed
FROM keys k
LEFT JOIN ({names}) n ON n.id = k.group_id
LEFT JOIN stock s ON s.group_id IS NOT DISTINCT FROM k.group_id AND s.currency = k.currency
LEFT JOIN average a ON a.group_id IS NOT DISTINCT FROM k.group_id AND a.currency = k.currency
LEFT JOIN fell_due f ON f.group_id IS NOT DISTINCT FROM k.group_id AND f.currency = k.currency
LEFT JOIN collected c ON c.group_id IS NOT DISTINCT FROM k.group_id AND c.currency = k.currency
LEFT JOIN written_off w ON w.group_id IS NOT DISTINCT FROM k.group_id AND w.currency = k.currency
LEFT JOIN disbursed d ON d.group_id IS NOT DISTINCT FROM k.group_id AND d.currency = k.currency
ORDER BY n.name NULLS LAST, k.group_id, k.currency
"""

_MONTHLY_STOCK = text("""
WITH closes AS (
    SELECT max(business_date) AS day FROM portfolio_daily
    WHERE business_date BETWEEN :start AND :end GROUP BY date_trunc('month', business_date)
)
SELECT date_trunc('month', p.business_date)::date AS month, p.business_date AS day, p.currency,
       sum(p.active_loans) AS active_loans, sum(p.gross_outstanding) AS gross, sum(p.par30_outstanding) AS par30
FROM portfolio_daily p JOIN closes c ON p.business_date = c.day
GROUP BY 1, 2, 3 ORDER BY 1, 3
""")

# Months of the lender's calendar; every count takes the day in the lender's time zone.
_PIPELINE = text("""
WITH months AS (
    -- A count of months, not a series of timestamps: a time zone's local mean time before 1900 (Paris:
    -- +00:09:21) made the timestamp series from year 1 never reach its end and fill the disk.
    SELECT CAST(CAST(:first_month AS timestamp) + make_interval(months => i) AS date) AS month
    FROM generate_series(0, CAST(:months AS int) - 1) AS i
),
referred AS (
    SELECT date_trunc('month', created_at AT TIME ZONE :tz)::date AS month, count(*) AS n FROM referrals
    WHERE (created_at AT TIME ZONE :tz)::date BETWEEN :start AND :end GROUP BY 1
),
opened AS (
    SELECT date_trunc('month', created_at AT TIME ZONE :tz)::date AS month, count(*) AS n FROM applications
    WHERE (created_at AT TIME ZONE :tz)::date BETWEEN :start AND :end GROUP BY 1
),
moved AS (
    SELECT date_trunc('month', at AT TIME ZONE :tz)::date AS month,
           count(*) FILTER (WHERE action = 'submit') AS submitted,
           count(*) FILTER (WHERE action = 'approve') AS approved,
           count(*) FILTER (WHERE from_status = 'contract_signed' AND action IN ('disburse', 'disburse_tranche'))
               AS disbursed
    FROM application_events WHERE (at AT TIME ZONE :tz)::date BETWEEN :start AND :end GROUP BY 1
)
SELECT m.month, coalesce(r.n, 0) AS referrals, coalesce(o.n, 0) AS applications,
       coalesce(e.submitted, 0) AS submitted, coalesce(e.approved, 0) AS approved, coalesce(e.disbursed, 0) AS disbursed
FROM months m
LEFT JOIN referred r ON r.month = m.month
LEFT JOIN opened o ON o.month = m.month
LEFT JOIN moved e ON e.month = m.month
ORDER BY m.month
""")

_LAST_CLOSE = text("SELECT max(business_date) FROM close_of_business_runs WHERE finished_at IS NOT NULL")


class SqlPortfolioReports:
    def __init__(self, engine: AsyncEngine, *, timezone: str = "Europe/Paris") -> None:
        self.engine = engine
        self.timezone = timezone  # the lender's: a referral at 23:30 UTC on the 31st is next month's in Paris

    async def monthly_stock(self, *, start: date, end: date) -> Sequence[MonthStock]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(_MONTHLY_STOCK, {"start": start, "end": end})
            return [
                MonthStock(
                    month=r.month,
                    figures_as_of=r.day,
                    currency=r.currency,
                    active_loans=int(r.active_loans),
                    gross_outstanding=Decimal(r.gross),
                    par30_outstanding=Decimal(r.par30),
                )
                for r in rows
            ]

    async def pipeline(self, *, start: date, end: date) -> Sequence[PipelineMonth]:
        async with self.engine.connect() as connection:
            first_month = start.replace(day=1)
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            params = {"start": start, "end": end, "tz": self.timezone, "first_month": first_month, "months": months}
            rows = await connection.execute(_PIPELINE, params)
            return [
                PipelineMonth(
                    month=r.month,
                    referrals=int(r.referrals),
                    applications=int(r.applications),
                    submitted=int(r.submitted),
                    approved=int(r.approved),
                    disbursed=int(r.disbursed),
                )
                for r in rows
            ]

    async def last_close(self) -> date | None:
        async with self.engine.connect() as connection:
            return await connection.scalar(_LAST_CLOSE)  # type: ignore[no-any-return]

    async def figures(self, *, group_by: str, start: date, end: date) -> Sequence[PortfolioFigures]:
        column, names = _GROUPS[group_by]
        statement = text(_FIGURES.format(g=column, names=names))
        async with self.engine.connect() as connection:
            rows = await connection.execute(statement, {"start": start, "end": end})
            return [
                PortfolioFigures(
                    group_id=r.group_id,
                    group_name=r.group_name,
                    currency=r.currency,
                    figures_as_of=r.figures_as_of,
                    active_loans=int(r.active_loans),
                    gross_outstanding=Decimal(r.gross),
                    par30_outstanding=Decimal(r.par30),
                    par90_outstanding=Decimal(r.par90),
                    fell_due=Decimal(r.fell_due),
                    collected=Decimal(r.collected),
                    written_off_principal=Decimal(r.written_off),
                    average_gross_outstanding=None if r.average_gross is None else Decimal(r.average_gross),
                    loans_disbursed=int(r.disbursed),
                )
                for r in rows
            ]
