"""The managers' charts on the dashboard, from the API's own reports: outstanding and PAR30 at each
month's last close of business (the portfolio by month), the pipeline from
referral to disbursement by month (the pipeline report), and business survival at 1, 2 and 3 years
(the follow-up report). Each chart comes with its figures as a table, for screen readers and for
reading exact values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec

from domain.loans.model import GroupBy
from service.followup.handlers import follow_up_report
from service.reporting.handlers import pipeline_by_month, portfolio_by_month
from service.services import Services
from service.ui.i18n import money, percent, translate

MONTHS = 12


@dataclass(frozen=True)
class Chart:
    """A chart: its id, title, the Chart.js configuration (JSON) and the same figures as rows."""

    id: str
    title: str
    config: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    first = today.replace(day=1)
    starts = [first]
    for _ in range(count - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


def _month_end(start: date, today: date) -> date:
    following = (start + timedelta(days=32)).replace(day=1)
    return min(following - timedelta(days=1), today)


def _config(kind: str, labels: list[str], datasets: list[dict[str, Any]], **options: Any) -> str:
    encoded = msgspec.json.encode(
        {"type": kind, "data": {"labels": labels, "datasets": datasets}, "options": {"animation": False, **options}}
    ).decode()
    return encoded.replace("</", "<\\/")  # it is written into a <script> element: nothing may close it


async def portfolio_charts(services: Services, lang: str) -> list[Chart]:
    today = services.today()
    starts = month_starts(today)
    months = await portfolio_by_month(start=starts[0], end=today, reports=services.portfolio)
    currency = months[0].currency if months else "EUR"  # one currency drawn: the first the book holds
    by_month = {m.month: m for m in months if m.currency == currency}
    labels = [start.strftime("%Y-%m") for start in starts]
    # Chart coordinates, never amounts kept or computed on: floats are fine here.
    outstanding = [float(by_month[s].gross_outstanding) if s in by_month else None for s in starts]
    par30 = [float(by_month[s].par30_percent or 0) if s in by_month else None for s in starts]

    def t(key: str) -> str:
        return translate(key, lang)

    money_title = f"{t('chart.outstanding')} ({currency})"
    return [
        Chart(
            "chart-portfolio",
            t("chart.portfolio"),
            _config(
                "line",
                labels,
                [
                    {"label": money_title, "data": outstanding, "yAxisID": "y"},
                    {"label": t("chart.par30"), "data": par30, "yAxisID": "y1"},
                ],
                scales={
                    "y": {"position": "left", "beginAtZero": True},
                    "y1": {"position": "right", "beginAtZero": True, "grid": {"drawOnChartArea": False}},
                },
            ),
            (t("chart.month"), money_title, t("chart.par30")),
            [
                (label, money(by_month[s].gross_outstanding, currency, lang), percent(by_month[s].par30_percent, lang))
                if s in by_month
                else (label, "—", "—")
                for label, s in zip(labels, starts)
            ],
        ),
    ]


STEPS = ("referrals", "applications", "submitted", "approved", "disbursed")


async def pipeline_chart(services: Services, lang: str) -> Chart:
    today = services.today()
    months = await pipeline_by_month(start=month_starts(today)[0], end=today, reports=services.portfolio)
    labels = [m.month.strftime("%Y-%m") for m in months]
    names = [translate(f"chart.{step}", lang) for step in STEPS]
    return Chart(
        "chart-pipeline",
        translate("chart.pipeline", lang),
        _config(
            "bar",
            labels,
            [{"label": name, "data": [getattr(m, step) for m in months]} for name, step in zip(names, STEPS)],
        ),
        (translate("chart.month", lang), *names),
        [(label, *(str(getattr(m, step)) for step in STEPS)) for label, m in zip(labels, months)],
    )


async def survival_chart(services: Services, lang: str) -> Chart:
    report = await follow_up_report(GroupBy.PRODUCT, services.today(), uow=services.uow())
    eligible: dict[int, int] = {}
    surviving: dict[int, int] = {}
    for group in report.groups:
        for s in group.survival:
            eligible[s.years] = eligible.get(s.years, 0) + s.eligible
            surviving[s.years] = surviving.get(s.years, 0) + s.surviving
    years = sorted(eligible) or [1, 2, 3]
    rates = [round(100 * surviving.get(y, 0) / eligible[y], 1) if eligible.get(y) else 0.0 for y in years]
    labels = [translate("chart.years", lang).format(years=y) for y in years]
    return Chart(
        "chart-survival",
        translate("chart.survival", lang),
        _config("bar", labels, [{"label": translate("chart.survival_rate", lang), "data": rates}]),
        (translate("chart.after", lang), translate("chart.survival_rate", lang), translate("chart.eligible", lang)),
        [(label, f"{rate:.1f}", str(eligible.get(y, 0))) for label, rate, y in zip(labels, rates, years)],
    )


async def manager_charts(services: Services, lang: str) -> list[Chart]:
    return [
        *await portfolio_charts(services, lang),
        await pipeline_chart(services, lang),
        await survival_chart(services, lang),
    ]
