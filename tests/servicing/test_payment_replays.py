"""A payment replays the loan once: the payoff it is checked against (above the overpayment margin)
comes from the replay that records it. Replays counted on the domain's working book, of which every
replay builds one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.servicing._book import Book
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.loans import make_loan
from tests.servicing.test_http import DISBURSED, TODAY, payment, post

D = Decimal


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[Book]:
    """Every book built from now on (one per replay of a loan)."""
    built: list[Book] = []
    build = Book.__init__

    def counting(self: Book, *args: Any) -> None:
        build(self, *args)
        built.append(self)

    monkeypatch.setattr(Book, "__init__", counting)
    return built


async def test_a_payment_above_the_overpayment_margin_replays_the_loan_once(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    settings: Settings,
    replays: list[Book],
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    amount = loan.schedule[0].total + D("40.00")
    assert amount > settings.overpayment_margin  # so the payoff is asked
    path = f"/v1/loans/{loan.id}/payments"
    replays.clear()
    preview = await client.post(f"{path}/preview", json=payment(str(amount), TODAY), headers=officer.headers)
    assert preview.status_code == 200, preview.text
    assert len(replays) == 1
    replays.clear()
    recorded = await post(client, officer, path, payment(str(amount), TODAY))
    assert recorded.status_code == 201, recorded.text
    assert len(replays) == 1
    replays.clear()
    too_much = await post(client, officer, path, payment("100000.00", TODAY))
    assert too_much.status_code == 422 and too_much.json()["code"] == "payment.above_payoff"
    assert len(replays) == 1
