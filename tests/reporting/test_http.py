"""GET /v1/portfolio/indicators: figures checked against sums worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.ids import new_id
from domain.ledger.model import Account, Entry, LedgerTransaction
from service.kernel.db.engine import create_engine
from service.servicing.handlers.close_of_business import close_business_day
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.loans import make_loan

D = Decimal
TODAY = date(2026, 12, 31)  # the lender's date in this test: the days closed here are over


async def no_refresh(*_: object) -> None:
    raise AssertionError("no loan has a credit")


async def test_indicators_by_product_in_json_and_csv(
    client: AsyncTestClient[Litestar],
    settings: Settings,
    uow_factory: SqlUnitOfWorkFactory,
    officer: Caller,
    admin: Caller,
) -> None:
    first = await make_loan(uow_factory, officer_id=officer.id, principal="1200.00")  # type: ignore[arg-type]
    second = await make_loan(
        uow_factory,
        officer_id=officer.id,  # type: ignore[arg-type]
        product_id=first.product_id,
        principal="2400.00",
    )
    # A payment of 100.00 on 20 March: 80.00 of principal and 20.00 of interest.
    async with uow_factory() as uow:
        await uow.ledger.post(
            LedgerTransaction(
                new_id(),
                "payment",
                date(2026, 3, 20),
                (
                    Entry(Account.BANK, D("100.00"), "EUR"),
                    Entry(Account.LOAN_PRINCIPAL, D("-80.00"), "EUR", first.id),
                    Entry(Account.INTEREST_INCOME, D("-20.00"), "EUR", first.id),
                ),
                first.id,
            )
        )
        await uow.commit()
    engine = create_engine(settings)
    try:
        for day in (date(2026, 3, 1), date(2026, 3, 31)):
            await close_business_day(day, today=TODAY, book=SqlCloseOfBusiness(engine), refresh=no_refresh)
    finally:
        await engine.dispose()

    response = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "product", "from": "2026-01-01", "to": "2026-03-31"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["group_by"], body["from"], body["to"]) == ("product", "2026-01-01", "2026-03-31")
    [group] = body["groups"]
    # Instalments 1 and 2 of both loans fell due (15 February, 15 March); nothing is paid in the
    # stored state, so on 31 March both loans are 44 days past due: all at risk over 30 days.
    fell_due = sum((i.total for made in (first, second) for i in made.schedule[:2]), D(0))
    assert group["group_id"] == str(first.product_id) and group["group_name"] == "Test product"
    assert group["figures_as_of"] == "2026-03-31"
    assert group["active_loans"] == 2 and group["loans_disbursed"] == 2
    assert group["gross_outstanding"] == "3600.00"
    assert (group["par30_percent"], group["par90_percent"]) == ("100.00", "0.00")
    assert group["fell_due"] == str(fell_due)
    assert group["collected"] == "100.00"
    assert group["repayment_rate_percent"] == str((D(10000) / fell_due).quantize(D("0.01")))
    assert (group["written_off_principal"], group["write_off_ratio_percent"]) == ("0.00", "0.00")

    csv = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "product", "from": "2026-01-01", "to": "2026-03-31"},
        headers={**admin.headers, "Accept": "text/csv"},
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    header, row = csv.text.strip().split("\r\n")
    assert header.startswith("group_by,from,to,group_id,group_name,currency,figures_as_of,active_loans")
    assert row.startswith(f"product,2026-01-01,2026-03-31,{first.product_id},Test product,EUR,2026-03-31,2,3600.00,")

    by_officer = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "officer", "from": "2026-03-01", "to": "2026-03-31", "format": "csv"},
        headers=officer.headers,
    )
    assert by_officer.status_code == 200 and "Test officer-user" in by_officer.text

    # The same stock month by month, at each month's last close (1 and 31 March closed; February not).
    monthly = await client.get(
        "/v1/portfolio/monthly", params={"from": "2026-02-01", "to": "2026-03-31"}, headers=officer.headers
    )
    assert monthly.status_code == 200, monthly.text
    assert monthly.json()["months"] == [
        {
            "month": "2026-03-01",
            "figures_as_of": "2026-03-31",
            "currency": "EUR",
            "active_loans": 2,
            "gross_outstanding": "3600.00",
            "par30_percent": "100.00",
        }
    ]


async def test_bad_parameters_are_named(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    backwards = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "product", "from": "2026-04-01", "to": "2026-03-31"},
        headers=admin.headers,
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    assert backwards.json()["errors"][0]["field"] == "from"
    unknown = await client.get(
        "/v1/portfolio/indicators",
        params={"group_by": "region", "from": "2026-03-01", "to": "2026-03-31"},
        headers=admin.headers,
    )
    assert unknown.status_code == 400 and "group_by" in unknown.text


async def test_the_portfolio_says_when_no_close_of_business_has_run(
    client: AsyncTestClient[Litestar], settings: Settings, uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    await make_loan(uow_factory, officer_id=officer.id, principal="1200.00")  # type: ignore[arg-type]
    period = {"group_by": "product", "from": "2026-03-01", "to": "2026-03-31"}
    before = (await client.get("/v1/portfolio/indicators", params=period, headers=officer.headers)).json()
    assert before["last_close_of_business"] is None
    assert "no close of business has run yet" in before["stock_figures_note"]
    engine = create_engine(settings)
    try:
        await close_business_day(date(2026, 2, 27), today=TODAY, book=SqlCloseOfBusiness(engine), refresh=no_refresh)
    finally:
        await engine.dispose()
    # A close before the period: still nothing known for it, and the note says which day was closed.
    after = (await client.get("/v1/portfolio/indicators", params=period, headers=officer.headers)).json()
    assert after["last_close_of_business"] == "2026-02-27"
    assert "no close of business in the period" in after["stock_figures_note"]
    closed = (
        await client.get("/v1/portfolio/indicators", params={**period, "from": "2026-02-01"}, headers=officer.headers)
    ).json()
    assert closed["stock_figures_note"] is None and closed["groups"][0]["active_loans"] == 1
