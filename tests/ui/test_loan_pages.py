"""Loans through the pages: the list and its filters, a loan's page, a repayment shown allocated
before it is posted (once, whatever the clicks), refusals next to their field, the roles' actions."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from decimal import Decimal

from _pytest.monkeypatch import MonkeyPatch
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing, lender_today, sign_in_staff
from tests.loans import MadeLoan, make_loan
from tests.statements import count_the_apps_statements
from tests.ui.pages import csrf_of, idempotency_of, sign_in_page

TODAY = lender_today()


async def officers_loan_page(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> tuple[MadeLoan, str, str]:
    """A loan of 40 days, its officer signed in on the pages: the loan, its page's address and HTML."""
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=40))
    await sign_in_page(client, "officer")
    page = f"/ui/loans/{loan.id}"
    return loan, page, (await client.get(page)).text


async def test_a_repayment_is_shown_allocated_then_recorded_once(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    loan = await make_loan(
        uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=70), borrower_name="Inès Morel"
    )
    await sign_in_page(client, "officer")
    listed = await client.get("/ui/loans?arrears_bucket=31-60")
    assert listed.status_code == 200 and "Inès Morel" not in listed.text  # not aged by a close of business yet
    listed = await client.get("/ui/loans?status=active")
    assert "Inès Morel" in listed.text and f"/ui/loans/{loan.id}" in listed.text
    page = f"/ui/loans/{loan.id}"
    html = (await client.get(page)).text
    assert "Échéancier" in html and "Voir la répartition" in html and "Passer en perte" not in html  # admins only
    quoted = (await client.get(f"{page}?payoff_on={TODAY.isoformat()}")).text
    assert "pour solder le prêt le" in quoted and "pour solder le prêt le" not in html  # on demand

    first = loan.schedule[0]
    amount = str(first.total).replace(".", ",")  # typed the French way
    fields = {"amount": amount, "value_date": TODAY.isoformat(), "channel": "transfer", "external_reference": ""}
    preview = await client.post(
        f"{page}/payments/preview",
        data={"_csrf": csrf_of(html), "_idempotency": idempotency_of(html), **fields},
    )
    assert preview.status_code == 200, preview.text
    assert "Confirmer et enregistrer ce paiement" in preview.text and "capital" in preview.text
    confirm = {"_csrf": csrf_of(preview.text), "_idempotency": idempotency_of(preview.text), **fields}
    async with uow_factory() as uow:
        assert not (await uow.servicing.lock(loan.id, for_update=False)).events  # type: ignore[union-attr]
    for _ in range(2):  # a double click, or the browser posting again: one payment
        recorded = await client.post(f"{page}/payments", data=confirm, follow_redirects=False)
        assert recorded.status_code == 303, recorded.text
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan.id, for_update=False)
    assert serviced is not None and len(serviced.events) == 1 and serviced.events[0].amount == first.total
    after = (await client.get(page)).text
    assert "paiement" in after and "payée" in after


async def test_refusals_show_next_to_their_field_in_the_pages_language(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan, page, html = await officers_loan_page(client, uow_factory)
    future = (TODAY + timedelta(days=3)).isoformat()
    refused = await client.post(
        f"{page}/payments/preview",
        data={"_csrf": csrf_of(html), "amount": "12,50", "value_date": future, "channel": "cash"},
    )
    assert refused.status_code == 422
    assert 'id="e-value_date"' in refused.text and 'value="12,50"' in refused.text  # what was typed stays
    too_much = await client.post(
        f"{page}/payments/preview",
        data={"_csrf": csrf_of(html), "amount": "999999", "value_date": TODAY.isoformat(), "channel": "cash"},
    )
    assert too_much.status_code == 422 and 'id="e-confirm_overpayment"' in too_much.text
    async with uow_factory() as uow:
        assert not (await uow.servicing.lock(loan.id, for_update=False)).events  # type: ignore[union-attr]


async def test_the_roles_see_and_may_do_what_the_api_lets_them(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_staff(client, uow_factory, "reader", "read_only")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=40))
    page = f"/ui/loans/{loan.id}"
    await sign_in_page(client, "reader")
    html = (await client.get(page)).text
    assert "Échéancier" in html and "Voir la répartition" not in html and "Réaménager" not in html
    body = {"_csrf": csrf_of(html), "amount": "10", "value_date": TODAY.isoformat(), "channel": "cash"}
    assert (await client.post(f"{page}/payments/preview", data=body)).status_code == 403
    assert (await client.post(f"{page}/payments", data=body)).status_code == 403
    await sign_in_page(client, admin.name)
    html = (await client.get(page)).text
    assert "Passer en perte" in html
    written = await client.post(
        f"{page}/write-off",
        data={
            "_csrf": csrf_of(html),
            "_idempotency": idempotency_of(html),
            "value_date": TODAY.isoformat(),
            "reason": "irrécouvrable",
        },
        follow_redirects=False,
    )
    assert written.status_code == 303, written.text
    assert "passé en perte" in (await client.get(page)).text


async def test_an_amount_in_exponent_or_too_long_is_refused_next_to_its_field(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    # "1e999" reached quantize() and was a 500; the pages now take the API's shape of a number.
    _, page, html = await officers_loan_page(client, uow_factory)
    for typed in ("1e999", "1E2", "1" * 16, "١٠"):
        refused = await client.post(
            f"{page}/payments/preview",
            data={"_csrf": csrf_of(html), "amount": typed, "value_date": TODAY.isoformat(), "channel": "cash"},
        )
        assert refused.status_code == 422, (typed, refused.status_code)
        assert 'id="e-amount"' in refused.text and "doit être un nombre" in refused.text, typed
    accepted = await client.post(
        f"{page}/payments/preview",
        data={"_csrf": csrf_of(html), "amount": "1\u202f0,50", "value_date": TODAY.isoformat(), "channel": "cash"},
    )
    assert accepted.status_code == 200, accepted.text  # written the French way, thin space and comma


async def test_a_payment_above_the_payoff_is_explained_in_french(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    # The page showed "999999 is more than the payoff on ...: confirm the overpayment" in English.
    loan, _, html = await officers_loan_page(client, uow_factory)
    too_much = await client.post(
        f"/ui/loans/{loan.id}/payments/preview",
        data={"_csrf": csrf_of(html), "amount": "999999", "value_date": TODAY.isoformat(), "channel": "cash"},
    )
    assert too_much.status_code == 422
    assert "confirm the overpayment" not in too_much.text
    assert "999999 dépasse le montant pour solder le prêt" in too_much.text


async def test_a_negative_term_is_refused_as_out_of_range_not_as_not_a_number(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    _, page, html = await officers_loan_page(client, uow_factory)
    fields = {
        "_csrf": csrf_of(html),
        "_idempotency": idempotency_of(html),
        "value_date": TODAY.isoformat(),
        "first_due_date": (TODAY + timedelta(days=30)).isoformat(),
        "reason": "chômage partiel",
    }
    refused = await client.post(f"{page}/reschedule", data={**fields, "number_of_installments": "-1"})
    assert refused.status_code == 422 and 'id="e-number_of_installments"' in refused.text
    assert "doit être un nombre entier" not in refused.text
    typo = await client.post(f"{page}/reschedule", data={**fields, "number_of_installments": "12x"})
    assert typo.status_code == 422 and "doit être un nombre entier" in typo.text


async def test_a_repayment_posted_from_the_page_reads_the_loan_once(
    client: AsyncTestClient[Litestar], racing: Racing, uow_factory: SqlUnitOfWorkFactory, monkeypatch: MonkeyPatch
) -> None:
    """The use case takes the loan's currency from the loan it locks: the page does not read the
    loan before it (the form has no currency)."""
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=40))
    sent = count_the_apps_statements(monkeypatch)
    async with racing() as http:
        await sign_in_page(http, "officer")  # type: ignore[arg-type]
        page = f"/ui/loans/{loan.id}"
        html = (await http.get(page)).text
        fields = {"amount": "12,50", "value_date": TODAY.isoformat(), "channel": "cash", "external_reference": ""}
        await asyncio.sleep(0)
        sent.clear()
        recorded = await http.post(
            f"{page}/payments",
            data={"_csrf": csrf_of(html), "_idempotency": idempotency_of(html), **fields},
            follow_redirects=False,
        )
        assert recorded.status_code == 303, recorded.text
        await asyncio.sleep(0)
    reads_of_the_loan = [q for q in sent if re.search(r"\bFROM loans\b", q, re.IGNORECASE)]
    assert len(reads_of_the_loan) == 1 and "FOR UPDATE" in reads_of_the_loan[0], reads_of_the_loan
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan.id, for_update=False)
    assert serviced is not None and [e.amount for e in serviced.events] == [Decimal("12.50")]  # type: ignore[attr-defined]
