"""The dashboard: whom to call (name and phone), my loans in arrears by bucket, what waits for me."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.followup.model import add_months
from service.kernel.db.engine import create_engine
from service.servicing.handlers.close_of_business import close_business_day
from service.servicing.repositories.close_of_business import SqlCloseOfBusiness
from service.settings import Settings
from service.ui.pages import dashboard as dashboard_page
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_staff
from tests.followup.test_http import planned_loan
from tests.loans import make_loan
from tests.reporting.test_http import no_refresh
from tests.servicing.test_loan_list import _set as set_loan
from tests.ui.pages import sign_in_page


async def test_my_agenda_and_my_loans_in_arrears(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    other = await sign_in_staff(client, uow_factory, "other", "loan_officer")
    start = add_months(lender_today(), -3) + timedelta(days=10)
    await planned_loan(uow_factory, officer, start, borrower_name="Awa Ndiaye", borrower_phone="+33698765432")
    await planned_loan(uow_factory, other, start, borrower_name="Not Mine", borrower_phone="+33611111111")
    await sign_in_page(client, "officer")
    dashboard = (await client.get("/ui/")).text
    assert "Awa Ndiaye" in dashboard and 'href="tel:+33698765432"' in dashboard and "En retard" in dashboard
    assert "Not Mine" not in dashboard
    assert "Aucun prêt en retard" in dashboard
    late = await make_loan(uow_factory, officer_id=officer.id, borrower_name="Bruno Late")  # type: ignore[arg-type]
    await set_loan(settings, late, "days_past_due = 40, arrears_bucket = '31-60'")
    dashboard = (await client.get("/ui/")).text
    assert "Tranche de retard : 31 à 60 j" in dashboard and "Bruno Late" in dashboard


async def test_a_manager_sees_the_outstanding_of_the_last_close(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, settings: Settings, admin: Caller
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await make_loan(uow_factory, officer_id=officer.id, principal="3000.00")  # type: ignore[arg-type]
    await sign_in_page(client, "admin-user")
    assert "3\u202f000,00\xa0€" not in (await client.get("/ui/")).text  # no close of business yet
    engine = create_engine(settings)
    try:
        yesterday = lender_today() - timedelta(days=1)
        await close_business_day(yesterday, today=lender_today(), book=SqlCloseOfBusiness(engine), refresh=no_refresh)
    finally:
        await engine.dispose()
    dashboard = (await client.get("/ui/")).text
    assert f"<tr><td>{yesterday:%Y-%m}</td><td>3\u202f000,00\xa0€</td>" in dashboard


async def test_a_long_agenda_shows_the_oldest_first_and_says_how_many_more(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_page, "AGENDA_ROWS", 1)
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    older = add_months(lender_today(), -5) + timedelta(days=10)
    newer = add_months(lender_today(), -3) + timedelta(days=10)
    first = await planned_loan(uow_factory, officer, older, borrower_name="Awa Oldest", borrower_phone="+33698765432")
    await planned_loan(uow_factory, officer, newer, borrower_name="Binta Newer", borrower_phone="+33698765433")
    await sign_in_page(client, "officer")
    dashboard = (await client.get("/ui/")).text
    assert "Awa Oldest" in dashboard and "Binta Newer" not in dashboard
    assert f'href="/ui/loans/{first}"' in dashboard
    assert "autres contacts, les plus anciens" in dashboard
