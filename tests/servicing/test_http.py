"""Servicing over the API: payments, back-dated payments, reversals, payoff, write-off, reschedule,
and the ledger agreeing with the replay after each of them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.ledger.model import Account
from domain.ledger.servicing import servicing_balances
from domain.products.model import ProductCategory
from domain.schedules import ScheduleTerms, build_schedule
from domain.servicing import Overpayment, ServicingTerms, state_as_of
from service.kernel.db.engine import create_sessionmaker
from service.servicing.handlers.payments import statement
from service.servicing.http.payments import InstallmentStateOut, LoanScheduleResponse, TransactionOut, schedule_response
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing, RecordingLoginCodeSender, lender_today, sign_in_borrower, sign_in_staff
from tests.loans import MadeLoan, make_loan, make_product

D = Decimal
TODAY = lender_today()
DISBURSED = TODAY - timedelta(days=100)  # three instalments fell due, the fourth is due in a few days


async def post(
    client: AsyncTestClient[Litestar], caller: Caller, path: str, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = {**caller.headers, "Idempotency-Key": key or uuid.uuid4().hex}
    return await client.post(path, json=body, headers=headers)


def payment(amount: str, on: date, channel: str = "transfer", **extra: Any) -> dict[str, Any]:
    return {"amount": {"amount": amount, "currency": "EUR"}, "value_date": on.isoformat(), "channel": channel, **extra}


def fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


async def ledger_agrees(uow_factory: SqlUnitOfWorkFactory, loan: MadeLoan) -> None:
    """The ledger equals the replay of the stored events, and so does the stored state."""
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan.id, for_update=False)
        assert serviced is not None
        posted = await uow.servicing.posted_balances(loan.id)
        principal = await uow.ledger.balance(Account.LOAN_PRINCIPAL, loan_id=loan.id)
    events = [e.as_servicing_event() for e in serviced.events]
    state = state_as_of(loan.schedule, loan.servicing, events, TODAY, disbursed_on=loan.disbursed_on)
    expected = {account: amount for account, amount in servicing_balances(state).items() if amount}
    assert {account: amount for account, amount in posted.items() if amount} == expected
    assert principal == state.outstanding_principal
    assert serviced.stored == state.installments


async def test_a_payment_pays_the_oldest_instalment_first_and_the_ledger_follows(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    first = loan.schedule[0]
    response = await post(
        client,
        officer,
        f"/v1/loans/{loan.id}/payments",
        payment(str(first.total + D("10.00")), TODAY, external_reference="bank ref 42"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "payment" and body["amount"] == str(first.total + D("10.00"))
    paid_first = [a for a in body["allocations"] if a["installment"] == 1]
    assert sum(D(a["amount"]) for a in paid_first) == first.total
    assert [a["component"] for a in paid_first] == ["interest", "principal"]  # no fees or penalties in this loan
    assert body["loan"]["status"] == "active" and body["loan"]["days_past_due"] > 30
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    lines = schedule["installments"]
    assert lines[0]["status"] == "paid" and lines[0]["outstanding"] == "0.00"
    assert lines[1]["status"] == "late" and D(lines[1]["total_paid"]) == D("10.00")
    assert lines[2]["status"] == "due" or lines[2]["status"] == "late"
    assert schedule["transactions"][0]["external_reference"] == "bank ref 42"
    await ledger_agrees(uow_factory, loan)


async def test_the_same_key_replays_another_body_is_refused(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    body = payment("100.00", TODAY)
    first = await post(client, officer, f"/v1/loans/{loan.id}/payments", body, key="k-1")
    again = await post(client, officer, f"/v1/loans/{loan.id}/payments", body, key="k-1")
    other = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("100.01", TODAY), key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 422 and fields(other) == ["Idempotency-Key"]
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert len(schedule["transactions"]) == 1
    await ledger_agrees(uow_factory, loan)


async def test_a_back_dated_payment_and_a_reversal_replay_the_allocation(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    terms = ServicingTerms(currency="EUR", late_fee=D("15.00"), penalty_annual_rate=D("10"))
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, servicing=terms)
    path = f"/v1/loans/{loan.id}/payments"
    late = (await post(client, officer, path, payment("600.00", TODAY))).json()
    # Paid today, the first instalments are late: a late fee and penalty interest come first.
    assert {a["component"] for a in late["allocations"]} >= {"penalties", "interest", "principal"}
    # A payment made on the first due date (recorded only now) changes what the later one paid.
    on_time = await post(client, officer, path, payment(str(loan.schedule[0].total), loan.schedule[0].due_date))
    assert on_time.status_code == 201
    assert {a["component"] for a in on_time.json()["allocations"]} == {"interest", "principal"}
    await ledger_agrees(uow_factory, loan)
    reversal = await post(
        client,
        officer,
        f"/v1/loans/{loan.id}/payments/{on_time.json()['id']}/reversal",
        {"value_date": TODAY.isoformat(), "reason": "AM04 insufficient funds"},
    )
    assert reversal.status_code == 201, reversal.text
    await ledger_agrees(uow_factory, loan)
    twice = await post(
        client,
        officer,
        f"/v1/loans/{loan.id}/payments/{on_time.json()['id']}/reversal",
        {"value_date": TODAY.isoformat(), "reason": "again"},
    )
    assert twice.status_code == 409
    response = await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)
    schedule = response.json()
    assert [t["reversed"] for t in schedule["transactions"]] == [False, True, False]
    # The document comes as JSON built by PostgreSQL: exactly what the documented type, built in
    # Python from the typed statement, would say.
    documented = msgspec.json.decode(response.content, type=LoanScheduleResponse)
    assert [t.amount for t in documented.transactions] == [D("600.00"), loan.schedule[0].total, None]
    assert all(set(t) == set(TransactionOut.__struct_fields__) for t in schedule["transactions"])
    assert set(schedule) == set(LoanScheduleResponse.__struct_fields__)
    assert set(schedule["installments"][0]) == set(InstallmentStateOut.__struct_fields__)
    reference = schedule_response(await statement(loan.id, actor=_principal(officer), uow=uow_factory()))
    assert documented == reference
    assert schedule == msgspec.json.decode(msgspec.json.encode(reference)) | {"transactions": schedule["transactions"]}


async def test_the_payoff_quote_is_exactly_what_a_payment_settles(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    terms = ServicingTerms(currency="EUR", late_fee=D("5.00"), penalty_annual_rate=D("8"))
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, servicing=terms)
    await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("250.00", DISBURSED + timedelta(days=40)))
    quote = await client.get(f"/v1/loans/{loan.id}/payoff?on={TODAY.isoformat()}", headers=officer.headers)
    assert quote.status_code == 200, quote.text
    figures = quote.json()
    parts = sum(D(figures[k]) for k in ("principal", "interest", "fees", "penalties", "unrecovered"))
    assert D(figures["amount"]) == parts - D(figures["credit_balance"])
    settled = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment(figures["amount"], TODAY))
    assert settled.json()["loan"]["status"] == "closed"
    assert settled.json()["loan"]["credit_balance"] == "0.00"
    assert settled.json()["loan"]["outstanding_principal"] == "0.00"
    await ledger_agrees(uow_factory, loan)
    after = (await client.get(f"/v1/loans/{loan.id}/payoff", headers=officer.headers)).json()
    assert after["amount"] == "0.00"


async def test_an_overpayment_shortens_the_term_when_the_product_says_so(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    terms = ServicingTerms(currency="EUR", overpayment=Overpayment.REDUCE_TERM)
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=10), servicing=terms)
    response = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("1000.00", TODAY))
    assert [a["component"] for a in response.json()["allocations"]] == ["principal"]
    lines = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()["installments"]
    assert [line["status"] for line in lines].count("cancelled") >= 3
    await ledger_agrees(uow_factory, loan)


async def test_write_off_then_recovery(
    client: AsyncTestClient[Litestar], officer: Caller, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    body = {"value_date": TODAY.isoformat(), "reason": "borrower unreachable, business closed"}
    assert (await post(client, officer, f"/v1/loans/{loan.id}/write-off", body)).status_code == 403
    written = await post(client, admin, f"/v1/loans/{loan.id}/write-off", body)
    assert written.status_code == 201, written.text
    assert written.json()["loan"]["status"] == "written_off"
    recovery = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("50.00", TODAY))
    assert recovery.json()["allocations"] == [
        {"installment": None, "component": "recovery", "amount": "50.00", "applied_on": TODAY.isoformat()}
    ]
    again = await post(client, admin, f"/v1/loans/{loan.id}/write-off", body)
    assert again.status_code == 409
    await ledger_agrees(uow_factory, loan)
    async with uow_factory() as uow:
        assert await uow.ledger.balance(Account.LOAN_LOSSES, loan_id=loan.id) == loan.servicing.late_fee + D("3000.00")


async def test_a_reschedule_replaces_the_open_instalments(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    await post(client, officer, f"/v1/loans/{loan.id}/payments", payment(str(loan.schedule[0].total), TODAY))
    first_due = TODAY + timedelta(days=28)
    body = {
        "value_date": TODAY.isoformat(),
        "number_of_installments": 18,
        "first_due_date": first_due.isoformat(),
        "principal_grace_installments": 2,
        "annual_interest_rate": "5.5",
        "reason": "seasonal activity, agreed at the follow-up visit",
    }
    response = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", body)
    assert response.status_code == 201, response.text
    owed = D(response.json()["loan"]["outstanding_principal"])
    response = await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)
    schedule = response.json()
    # The live schedule is the amendment's, numbered as the amendment numbers it, with its own TAEG.
    amendment = build_schedule(
        ScheduleTerms(
            principal=owed,
            currency="EUR",
            annual_interest_rate=D("5.5"),
            number_of_installments=18,
            disbursement_date=TODAY,
            first_due_date=first_due,
            principal_grace_installments=2,
        )
    )
    assert (schedule["amendment"], schedule["schedule_starts_on"]) == (1, TODAY.isoformat())
    assert (schedule["annual_interest_rate"], schedule["apr"]) == ("5.50", f"{amendment.apr:f}")
    new = schedule["installments"]
    assert [line["number"] for line in new] == list(range(1, 19))
    assert [line["due_date"] for line in new] == [i.due_date.isoformat() for i in amendment.installments]
    assert "rescheduled" not in {line["status"] for line in new}
    assert new[0]["principal_due"] == "0.00" and new[1]["principal_due"] == "0.00"
    assert D(new[0]["interest_due"]) > 0  # arrears of interest carried to the first new instalment
    assert sum(D(line["principal_due"]) for line in new) == owed
    # The contract's schedule is kept apart, as it was numbered, with the contract's terms.
    [contract] = schedule["earlier_schedules"]
    assert (contract["amendment"], contract["starts_on"], contract["replaced_on"]) == (
        0,
        DISBURSED.isoformat(),
        TODAY.isoformat(),
    )
    assert (contract["annual_interest_rate"], contract["apr"]) == ("7.45", "7.45")
    assert [line["number"] for line in contract["installments"]] == list(range(1, 13))
    assert contract["installments"][0]["status"] == "paid"
    assert {line["status"] for line in contract["installments"][1:]} == {"rescheduled"}
    # Each contract instalment still shows what the contract said (not the interest and fees
    # waived when it was replaced), and apart from it what was paid on it.
    assert [
        tuple(D(line[f"scheduled_{name}"]) for name in ("principal", "interest", "fees", "total"))
        for line in contract["installments"]
    ] == [(i.principal, i.interest, i.fees, i.total) for i in loan.schedule]
    assert D(contract["installments"][0]["total_paid"]) == loan.schedule[0].total
    assert {line["total_paid"] for line in contract["installments"][1:]} == {"0.00"}
    # PostgreSQL's document is the one built in Python from the statement.
    documented = msgspec.json.decode(response.content, type=LoanScheduleResponse)
    assert documented == schedule_response(await statement(loan.id, actor=_principal(officer), uow=uow_factory()))
    await ledger_agrees(uow_factory, loan)


async def test_bad_servicing_input_is_a_clear_4xx(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/payments"
    cases = [
        (payment("10.00", TODAY + timedelta(days=1)), 422, "value_date"),
        (payment("10.00", DISBURSED - timedelta(days=1)), 422, "value_date"),
        (payment("10.001", TODAY), 422, "amount.amount"),
        (payment("0.00", TODAY), 422, "amount.amount"),
        ({**payment("10.00", TODAY), "amount": {"amount": "10.00", "currency": "USD"}}, 422, "amount.currency"),
        ({**payment("10.00", TODAY), "channel": "cheque"}, 400, None),
        ({**payment("10.00", TODAY), "surprise": 1}, 400, None),
    ]
    for body, status, field in cases:
        response = await post(client, officer, path, body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if field:
            assert fields(response) == [field], response.json()
    missing = await client.post(path, json=payment("10.00", TODAY), headers=officer.headers)
    assert missing.status_code == 400
    unknown = await post(client, officer, f"/v1/loans/{uuid.uuid4()}/payments", payment("10.00", TODAY))
    assert unknown.status_code == 404
    reversal = await post(
        client,
        officer,
        f"/v1/loans/{loan.id}/payments/{uuid.uuid4()}/reversal",
        {"value_date": TODAY.isoformat(), "reason": "x"},
    )
    assert reversal.status_code == 404
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert schedule["transactions"] == []


async def test_a_borrower_reads_only_their_own_schedule_and_payoff(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    bob = await sign_in_borrower(client, uow_factory, code_sender, "bob")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    for path in (f"/v1/loans/{loan.id}/schedule", f"/v1/loans/{loan.id}/payoff"):
        assert (await client.get(path, headers=alice.headers)).status_code == 200
        assert (await client.get(path, headers=bob.headers)).status_code == 404
    assert (await post(client, alice, f"/v1/loans/{loan.id}/payments", payment("1.00", TODAY))).status_code == 403


async def test_the_schedule_takes_at_most_three_statements(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    """Counted on the connection itself: statements sent through SQLAlchemy and straight to asyncpg."""
    from service.servicing.handlers.payments import schedule_document
    from tests.statements import counted_engine

    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, installments=48)
    for k in range(5):
        await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("20.00", DISBURSED + timedelta(days=k)))
    admin = await sign_in_staff(client, uow_factory, "counting-admin", "admin")
    seen: list[str] = []
    engine = counted_engine(seen)(settings)
    counting = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    try:
        seen.clear()
        found = await statement(loan.id, actor=_principal(admin), uow=counting())
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after the query, not during it
        queries = [q for q in seen if not q.strip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT"))]
        assert len(queries) == 3, queries
        assert len(found.installments) == 48 and len(found.transactions) == 5
        seen.clear()  # what the route sends: one statement
        document = msgspec.json.decode(await schedule_document(loan.id, actor=_principal(admin), uow=counting()))
        await asyncio.sleep(0)
        queries = [q for q in seen if not q.strip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT"))]
        assert len(queries) == 1, queries
        assert len(document["installments"]) == 48 and len(document["transactions"]) == 5
    finally:
        await engine.dispose()


def _principal(caller: Caller) -> Any:
    from domain.identity.model import Principal, PrincipalKind, Role

    return Principal(PrincipalKind.STAFF, caller.id, frozenset({Role.ADMIN}))


async def test_a_products_servicing_terms_reach_its_loans(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    terms = {
        "currency": "EUR",
        "category": "professional_microcredit",
        "min_amount": "500.00",
        "max_amount": "12000.00",
        "min_installments": 6,
        "max_installments": 60,
        "annual_interest_rate": "7.45",
    }
    servicing = {
        "allocation_order": ["principal", "interest", "fees", "penalties"],
        "overpayment": "reduce_installment",
        "grace_days_before_late": 5,
        "late_fee": "12.50",
        "penalty_annual_rate": "4",
        "arrears_buckets": [15, 45],
    }
    created = await client.post(
        "/v1/loan-products",
        json={"code": "SERV-1", "name": "Serviced", "terms": {**terms, "servicing": servicing}},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    # Read back with rates written as every rate is ("4" -> "4.00").
    assert created.json()["terms"]["servicing"] == {**servicing, "penalty_annual_rate": "4.00"}
    bad = await client.post(
        "/v1/loan-products",
        json={"code": "SERV-2", "name": "Bad", "terms": {**terms, "servicing": {**servicing, "late_fee": "1.001"}}},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and fields(bad) == ["terms.servicing.late_fee"]
    async with uow_factory() as uow:
        product = await uow.products.by_code("SERV-1")
    assert product is not None
    loan = await make_loan(
        uow_factory,
        officer_id=officer.id,
        product_id=product.id,
        disbursed_on=DISBURSED,
        servicing=product.current.terms.servicing_terms,
    )
    paid = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("50.00", TODAY))
    assert [a["component"] for a in paid.json()["allocations"]] == ["principal"]  # principal first, as set
    assert paid.json()["loan"]["arrears_bucket"] == "over 45"


async def test_the_same_key_at_the_same_time_is_one_payment(
    racing: Racing, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """Requests with one key truly in flight together: one records the payment, the others get a
    409 (still in flight) or, once it committed, the same answer; never a second payment."""
    import asyncio

    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    headers = {**officer.headers, "Idempotency-Key": "same-time"}
    async with racing() as http:
        answers = await asyncio.gather(
            *(
                http.post(f"/v1/loans/{loan.id}/payments", json=payment("75.00", TODAY), headers=headers)
                for _ in range(6)
            )
        )
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    created = [a.json() for a in answers if a.status_code == 201]
    assert all(c == created[0] for c in created)
    assert all(a.json()["code"] == "idempotency.in_flight" for a in answers if a.status_code == 409)
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan.id, for_update=False)
    assert serviced is not None and len(serviced.events) == 1


async def test_a_payment_above_the_payoff_and_margin_needs_a_confirmation(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/payments"
    payoff = D((await client.get(f"/v1/loans/{loan.id}/payoff", headers=officer.headers)).json()["amount"])
    refused = await post(client, officer, path, payment("9999999999.99", TODAY))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "payment.above_payoff" and fields(refused) == ["confirm_overpayment"]
    assert str(payoff) in refused.json()["detail"]
    just_above = await post(
        client, officer, path, payment(str(payoff + settings.overpayment_margin + D("0.01")), TODAY)
    )
    assert just_above.status_code == 422, just_above.text
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert schedule["transactions"] == []  # nothing written by the refusals
    at_margin = await post(client, officer, path, payment(str(payoff + settings.overpayment_margin), TODAY))
    assert at_margin.status_code == 201, at_margin.text
    assert D(at_margin.json()["loan"]["credit_balance"]) == settings.overpayment_margin
    confirmed = await post(client, officer, path, payment("500.00", TODAY, confirm_overpayment=True))
    assert confirmed.status_code == 201, confirmed.text
    await ledger_agrees(uow_factory, loan)


async def test_no_payment_overflows_the_balance_columns(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/payments"
    huge = payment("9999999999.99", TODAY, confirm_overpayment=True)
    first = await post(client, officer, path, huge)
    assert first.status_code == 201, first.text
    second = await post(client, officer, path, huge)
    assert second.status_code == 422, second.text
    assert second.json()["code"] == "money.too_large" and fields(second) == ["amount.amount"]
    too_big = await post(client, officer, path, payment("10000000000.00", TODAY, confirm_overpayment=True))
    assert too_big.status_code == 422 and fields(too_big) == ["amount.amount"]
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert len(schedule["transactions"]) == 1
    await ledger_agrees(uow_factory, loan)


async def test_a_sepa_remittance_reference_of_140_characters_is_kept(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/payments"
    reference = "RF18 " + "x" * 135
    kept = await post(client, officer, path, payment("10.00", TODAY, external_reference=reference))
    assert kept.status_code == 201, kept.text
    assert kept.json()["external_reference"] == reference
    too_long = await post(client, officer, path, payment("10.00", TODAY, external_reference=reference + "y"))
    assert too_long.status_code == 400, too_long.text
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert [t["external_reference"] for t in schedule["transactions"]] == [reference]


def reschedule(installments: int, **extra: Any) -> dict[str, Any]:
    return {
        "value_date": TODAY.isoformat(),
        "number_of_installments": installments,
        "first_due_date": (TODAY + timedelta(days=28)).isoformat(),
        "reason": "activity down for a season, agreed at the follow-up visit",
        **extra,
    }


async def test_a_reschedule_keeps_within_the_products_term_and_the_legal_maximum(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # The product lends over at most 60 months; the legal maximum for business microcredit is 60
    # months from the disbursement (R518-61 CMF), and the loan is already 100 days old.
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/reschedules"
    ten_years = await post(client, officer, path, reschedule(120))
    assert ten_years.status_code == 422, ten_years.text
    assert ten_years.json()["code"] == "product.limit_exceeded" and fields(ten_years) == ["number_of_installments"]
    beyond_60_months = await post(client, officer, path, reschedule(58))  # 3 months gone + 58 > 60
    assert beyond_60_months.status_code == 422, beyond_60_months.text
    assert fields(beyond_60_months) == ["number_of_installments"]
    too_much_grace = await post(client, officer, path, reschedule(24, principal_grace_installments=4))
    assert too_much_grace.status_code == 422 and fields(too_much_grace) == ["principal_grace_installments"]
    interest_grace = await post(client, officer, path, reschedule(24, interest_grace_installments=1))
    assert interest_grace.status_code == 422 and fields(interest_grace) == ["interest_grace_installments"]
    dearer = await post(client, officer, path, reschedule(24, annual_interest_rate="9.00"))
    assert dearer.status_code == 422 and fields(dearer) == ["annual_interest_rate"]
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    assert schedule["transactions"] == [] and len(schedule["installments"]) == 12
    longest = await post(client, officer, path, reschedule(56))  # the last instalment within 60 months of disbursement
    assert longest.status_code == 201, longest.text


async def test_a_reschedules_dates_are_checked_before_any_date_arithmetic(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    path = f"/v1/loans/{loan.id}/reschedules"
    two_months = (TODAY + timedelta(days=61)).isoformat()
    for first_due in ("9999-12-31", "2999-12-31", two_months):  # the QA walkthrough's requests
        response = await post(client, officer, path, reschedule(6, first_due_date=first_due))
        assert response.status_code == 422, (first_due, response.text)
        assert fields(response) == ["first_due_date"], response.text
        assert "instalments" not in response.json()["detail"]
    # A longer deferral goes through a grace period, which the engine prices month by month.
    deferred = await post(client, officer, path, reschedule(24, principal_grace_installments=2))
    assert deferred.status_code == 201, deferred.text


async def test_a_reschedule_on_a_product_beyond_the_legal_maximum_is_refused(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    product_id = await make_product(uow_factory, max_installments=120)
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, product_id=product_id)
    response = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", reschedule(100))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "legal.max_duration_exceeded" and fields(response) == ["number_of_installments"]


async def test_a_reschedule_states_its_new_taeg_and_keeps_its_reason(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    body = reschedule(24, annual_interest_rate="5.00", principal_grace_installments=2)
    response = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", body, key="resched-1")
    assert response.status_code == 201, response.text
    new = build_schedule(
        ScheduleTerms(
            principal=D("3000.00"),  # nothing repaid yet
            currency="EUR",
            annual_interest_rate=D("5.00"),
            number_of_installments=24,
            disbursement_date=TODAY,
            first_due_date=TODAY + timedelta(days=28),
            principal_grace_installments=2,
        )
    )
    assert response.json()["apr"] == str(new.apr) and new.apr > 0
    assert response.json()["reason"] == body["reason"]
    again = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", body, key="resched-1")
    assert again.json() == response.json()
    async with uow_factory() as uow:
        serviced = await uow.servicing.lock(loan.id, for_update=False)
    assert serviced is not None
    [event] = serviced.events
    assert event.apr == new.apr and event.reason == body["reason"]
    await ledger_agrees(uow_factory, loan)


async def test_a_personal_loan_is_not_rescheduled_above_the_usury_rate(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # Personal microcredit up to EUR 3,000: usury threshold 23.24 % (seeded legal data).
    product_id = await make_product(uow_factory, category=ProductCategory.PERSONAL_MICROCREDIT, rate="30.00")
    loan = await make_loan(
        uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, product_id=product_id, rate="30.00"
    )
    usurious = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", reschedule(24))
    assert usurious.status_code == 422, usurious.text
    assert usurious.json()["code"] == "legal.usury_exceeded" and fields(usurious) == ["annual_interest_rate"]
    lawful = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", reschedule(24, annual_interest_rate="12"))
    assert lawful.status_code == 201, lawful.text


async def test_a_reschedule_never_overflows_an_instalment_column(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # Principal just below the columns' 10 digits: one instalment with its interest would not fit.
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, principal="9999999000.00")
    response = await post(client, officer, f"/v1/loans/{loan.id}/reschedules", reschedule(1))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "money.too_large" and fields(response) == ["number_of_installments"]
    assert (await post(client, officer, f"/v1/loans/{loan.id}/reschedules", reschedule(24))).status_code == 201
    await ledger_agrees(uow_factory, loan)


async def test_rates_have_one_format_on_every_route(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """A rate or TAEG is written the same way wherever it appears: at least two decimals, never
    the padding of the NUMERIC column ("7.450000")."""
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, rate="7.45")
    read = (await client.get(f"/v1/loans/{loan.id}", headers=officer.headers)).json()
    schedule = (await client.get(f"/v1/loans/{loan.id}/schedule", headers=officer.headers)).json()
    product = (await client.get(f"/v1/loan-products/{loan.product_id}", headers=admin.headers)).json()
    assert (read["annual_interest_rate"], read["apr"]) == ("7.45", "7.45")
    assert (schedule["annual_interest_rate"], schedule["apr"]) == ("7.45", "7.45")
    assert product["terms"]["annual_interest_rate"] == "7.45"
    assert product["terms"]["guarantor_coverage_percent"] == "0.00"
    quote = await client.post(
        "/v1/loan-quotes",
        json={
            "principal": {"amount": "1000.00", "currency": "EUR"},
            "annual_interest_rate": "6",
            "number_of_installments": 10,
            "disbursement_date": "2026-01-15",
            "first_due_date": "2026-02-15",
        },
    )
    assert quote.json()["apr"] == "6.17"


async def test_a_payment_with_too_many_decimals_or_not_above_zero_says_which_in_french_by_default(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """QA met "must be more than zero, in the currency's minor unit", in English on a French page,
    for 10,123: each fault has its own message, and French is the default."""
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)
    decimals = await post(client, officer, f"/v1/loans/{loan.id}/payments/preview", payment("10.123", TODAY))
    assert decimals.status_code == 422 and fields(decimals) == ["amount.amount"]
    assert decimals.json()["code"] == "money.too_many_decimals"
    assert decimals.json()["errors"][0]["reason"] == "EUR a au plus 2 décimales"
    negative = await post(client, officer, f"/v1/loans/{loan.id}/payments/preview", payment("-5.00", TODAY))
    assert negative.status_code == 422 and fields(negative) == ["amount.amount"]
    assert negative.json()["errors"][0]["reason"] == "doit être supérieur à zéro"
    english = await client.post(
        f"/v1/loans/{loan.id}/payments/preview",
        json=payment("10.123", TODAY),
        headers={**officer.headers, "Accept-Language": "en"},
    )
    assert english.json()["errors"][0]["reason"] == "EUR has 2 decimals at most"
