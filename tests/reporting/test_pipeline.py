"""GET /v1/portfolio/pipeline: from referral to disbursement, month by month."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.kernel.db.engine import create_engine
from service.reporting.read import SqlPortfolioReports
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner, sign_in_staff
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import approved_application


async def test_the_months_count_referrals_applications_and_committee_decisions(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    assert (await refer(client, partner, REFERRAL, "k1")).status_code == 201
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    await approved_application(client, admin, committee)
    today = lender_today()
    first_of_month = today.replace(day=1)
    previous = (first_of_month - timedelta(days=1)).replace(day=1)
    answer = await client.get(
        "/v1/portfolio/pipeline", params={"from": previous.isoformat(), "to": today.isoformat()}, headers=admin.headers
    )
    assert answer.status_code == 200, answer.text
    months = answer.json()["months"]
    assert [m["month"] for m in months] == [previous.isoformat(), first_of_month.isoformat()]
    assert months[0] == {"month": previous.isoformat(), "referrals": 0, "applications": 0, "submitted": 0,
                         "approved": 0, "disbursed": 0}  # fmt: skip
    this = months[1]
    counts = (this["referrals"], this["applications"], this["submitted"], this["approved"], this["disbursed"])
    assert counts == (1, 1, 1, 1, 0)  # the walk-in's application was approved; nothing paid out yet
    backwards = await client.get(
        "/v1/portfolio/pipeline", params={"from": today.isoformat(), "to": previous.isoformat()}, headers=admin.headers
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "from"


async def test_a_period_is_on_the_business_calendar_and_its_months_all_come(
    client: AsyncTestClient[Litestar], admin: Caller, settings: Settings
) -> None:
    """The fuzz test asked for years 1 to 11: PostgreSQL's month arithmetic there never advanced, the
    series of months never ended and the query filled the disk. Periods are on the business calendar
    (1900-2999) like every other date, and the months are counted, not stepped through."""
    ancient = await client.get(
        "/v1/portfolio/pipeline", params={"from": "0001-01-01", "to": "0011-01-01"}, headers=admin.headers
    )
    assert ancient.status_code == 422 and ancient.json()["errors"][0]["field"] == "from"
    engine = create_engine(settings)
    try:
        reports = SqlPortfolioReports(engine, timezone="Europe/Paris")
        months = await asyncio.wait_for(reports.pipeline(start=date(1900, 1, 1), end=date(1909, 12, 31)), timeout=60)
    finally:
        await engine.dispose()
    assert [m.month for m in months] == [date(1900 + n // 12, n % 12 + 1, 1) for n in range(120)]
