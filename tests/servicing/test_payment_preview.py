"""The payment preview: how a repayment would be allocated, before it is posted (the officers' UI
shows it for confirmation). Same checks and replay as recording it, nothing written."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.servicing import ServicingTerms
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.loans import make_loan
from tests.servicing.test_http import DISBURSED, TODAY, fields, ledger_agrees, payment, post

D = Decimal


async def test_the_preview_is_what_recording_the_payment_allocates_and_writes_nothing(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    terms = ServicingTerms(currency="EUR", late_fee=D("15.00"), penalty_annual_rate=D("10"))
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, servicing=terms)
    body = payment(str(loan.schedule[0].total + D("40.00")), TODAY)
    preview = await client.post(f"/v1/loans/{loan.id}/payments/preview", json=body, headers=officer.headers)
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    # The first instalment is late: its late fee and penalty interest come first, then interest, principal.
    first = [a["component"] for a in shown["allocations"] if a["installment"] == 1]
    assert first == ["penalties", "interest", "principal"]
    assert sum(D(a["amount"]) for a in shown["allocations"]) == D(body["amount"]["amount"])
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert schedule["transactions"] == []  # nothing recorded
    async with uow_factory() as uow:
        assert not any((await uow.servicing.posted_balances(loan.id)).values())  # no ledger entry
    recorded = await post(client, officer, f"/v1/loans/{loan.id}/payments", body)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["allocations"] == shown["allocations"]
    assert recorded.json()["loan"] == shown["loan"]
    await ledger_agrees(uow_factory, loan)


async def test_a_back_dated_preview_reallocates_like_the_replay(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    assert (await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("50.00", TODAY))).status_code == 201
    earlier = payment(str(loan.schedule[0].total), loan.schedule[0].due_date)
    preview = await client.post(f"/v1/loans/{loan.id}/payments/preview", json=earlier, headers=officer.headers)
    assert preview.status_code == 200, preview.text
    assert {a["installment"] for a in preview.json()["allocations"]} == {1}  # it pays the first, on its date
    recorded = await post(client, officer, f"/v1/loans/{loan.id}/payments", earlier)
    assert recorded.json()["allocations"] == preview.json()["allocations"]


async def test_the_preview_refuses_what_recording_refuses(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/payments/preview"
    cases = [
        (payment("9999999.99", TODAY), "payment.above_payoff", "confirm_overpayment"),
        (payment("10.00", TODAY + timedelta(days=1)), "servicing.invalid_value_date", "value_date"),
        (payment("0.00", TODAY), "money.not_positive", "amount.amount"),
        ({**payment("10.00", TODAY), "amount": {"amount": "10.00", "currency": "USD"}}, None, "amount.currency"),
    ]
    for body, code, field in cases:
        answer = await client.post(path, json=body, headers={**officer.headers, "Accept-Language": "fr"})
        assert answer.status_code == 422, answer.text
        assert fields(answer) == [field] and (code is None or answer.json()["code"] == code)
    missing = await client.post(
        "/v1/loans/00000000-0000-0000-0000-000000000001/payments/preview",
        json=payment("1.00", TODAY),
        headers=officer.headers,
    )
    assert missing.status_code == 404
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert schedule["transactions"] == []
