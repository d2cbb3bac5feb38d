"""Borrower self-service: a borrower lists their own loans (and nobody else's), and downloads a
loan's schedule as a PDF and as an iCalendar of due dates."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import icalendar
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import text

from domain.origination.applications import Offer
from service.identity.handlers import create_borrower
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender, lender_today, sign_in_borrower
from tests.loans import make_loan

D = Decimal
TODAY = lender_today()
DISBURSED = TODAY - timedelta(days=100)  # three instalments fell due, the fourth is due in a few days


async def pay(client: AsyncTestClient[Litestar], officer: Caller, loan_id: uuid.UUID, amount: str) -> None:
    response = await client.post(
        f"/v1/loans/{loan_id}/payments",
        json={"amount": {"amount": amount, "currency": "EUR"}, "value_date": TODAY.isoformat(), "channel": "transfer"},
        headers={**officer.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text


async def move_loan(uow_factory: SqlUnitOfWorkFactory, loan_id: uuid.UUID, *, to_applicant: uuid.UUID) -> None:
    """Give a loan (and its application) to another applicant: a person has one applicant record
    (one per borrower account) and may borrow more than once."""
    async with uow_factory() as uow:
        for table in ("loans", "applications"):
            await uow.session.execute(
                text(f"UPDATE {table} SET applicant_id = :applicant WHERE id = :id"),
                {"applicant": to_applicant, "id": loan_id if table == "loans" else await _application_of(uow, loan_id)},
            )
        await uow.commit()


async def _application_of(uow: Any, loan_id: uuid.UUID) -> uuid.UUID:
    result = await uow.session.execute(text("SELECT application_id FROM loans WHERE id = :id"), {"id": loan_id})
    application_id: uuid.UUID = result.scalar_one()
    return application_id


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def get_json(client: AsyncTestClient[Litestar], caller: Caller, path: str) -> Any:
    response = await client.get(path, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_borrower_lists_only_their_own_loans_with_the_figures_of_the_schedule_and_payoff(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    bob = await sign_in_borrower(client, uow_factory, code_sender, "bob")
    older = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    newer = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=20))
    await move_loan(uow_factory, newer.id, to_applicant=older.applicant_id)  # a second loan of the same person
    bobs = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=bob.id)
    await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED)  # nobody's account
    # A partial payment: the first instalment paid, the second partly, the loan days late.
    await pay(client, officer, older.id, str(older.schedule[0].total + D("100.00")))

    mine = (await get_json(client, alice, "/v1/borrower/loans"))["items"]
    assert [loan["id"] for loan in mine] == [str(newer.id), str(older.id)]  # latest disbursed first
    theirs = (await get_json(client, bob, "/v1/borrower/loans"))["items"]
    assert [loan["id"] for loan in theirs] == [str(bobs.id)]

    for listed in mine:
        schedule = await get_json(client, alice, f"/v1/loans/{listed['id']}/schedule")
        payoff = await get_json(client, alice, f"/v1/loans/{listed['id']}/payoff")
        for name in ("status", "currency", "principal", "outstanding_principal", "next_due_date", "days_past_due"):
            assert listed[name] == schedule[name], name
        assert listed["as_of"] == schedule["as_of"]
        on_next = [i for i in schedule["installments"] if i["due_date"] == schedule["next_due_date"]]
        assert listed["next_due_amount"] == str(sum((D(i["outstanding"]) for i in on_next), D("0.00")))
        assert (listed["payoff_on"], listed["payoff_amount"]) == (payoff["on"], payoff["amount"])

    paid = next(loan for loan in mine if loan["id"] == str(older.id))
    assert paid["status"] == "active" and paid["currency"] == "EUR" and paid["principal"] == "3000.00"
    assert paid["days_past_due"] > 30 and D(paid["next_due_amount"]) > 0
    assert D(paid["outstanding_principal"]) < D(paid["payoff_amount"]) < D("3000.00")  # principal + interest to date


async def test_only_borrowers_have_a_loan_list(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    assert (await client.get("/v1/borrower/loans", headers=officer.headers)).status_code == 403
    assert (await client.get("/v1/borrower/loans")).status_code == 401


async def test_the_pdf_shows_the_summary_and_every_instalment_in_the_borrowers_language(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    await pay(client, officer, loan.id, str(loan.schedule[0].total))

    response = await client.get(f"/v1/loans/{loan.id}/schedule.pdf", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="echeancier-{loan.id}.pdf"'
    text = pdf_text(response.content)
    assert "Échéancier de votre prêt" in text and "Borrower alice" in text
    assert "Montant prêté 3 000,00 EUR" in text
    first = loan.schedule[0]
    assert re.search(rf"1 {first.due_date:%d/%m/%Y} .*{_fr(first.total)} {_fr(first.total)} 0,00 payée", text)
    for item in loan.schedule[1:]:
        assert f"{item.number} {item.due_date:%d/%m/%Y}" in text
    assert "en retard" in text and "à venir" in text
    assert f"{TODAY:%d/%m/%Y} paiement {_fr(first.total)}" in text

    # Staff download it too; an English-speaking borrower's schedule is in English.
    english = await create_borrower("Brenda English", "brenda@example.org", None, "en", uow=uow_factory(), now=_now())
    theirs = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=english.id)
    response = await client.get(f"/v1/loans/{theirs.id}/schedule.pdf", headers=officer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="schedule-{theirs.id}.pdf"'
    text = pdf_text(response.content)
    assert "Your loan repayment schedule" in text and "Amount lent 3,000.00 EUR" in text
    assert f"1 {theirs.schedule[0].due_date.isoformat()}" in text and "No payment received yet." in text


async def test_the_calendar_has_one_all_day_event_per_instalment_still_owing(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    await pay(client, officer, loan.id, str(loan.schedule[0].total + D("100.00")))

    response = await client.get(f"/v1/loans/{loan.id}/schedule.ics", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="echeancier-{loan.id}.ics"'
    raw = response.content
    # CRLF everywhere, no physical line over 75 octets, and long lines folded with a space.
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    physical = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)
    raw.decode("utf-8")  # folding never splits a character

    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    schedule = await get_json(client, alice, f"/v1/loans/{loan.id}/schedule")
    owing = [i for i in schedule["installments"] if D(i["outstanding"]) > 0]
    assert len(owing) == len(loan.schedule) - 1  # the first is paid, the second only in part
    assert [str(e["UID"]) for e in events] == [f"{loan.id}-{i['number']}@microcredit" for i in owing]
    for event, item in zip(events, owing, strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date and start.isoformat() == item["due_date"]  # all-day
        assert end - start == timedelta(days=1)
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert _fr(D(item["outstanding"])) in str(event["SUMMARY"]).replace("\u00a0", " ")
    assert "Échéance n° 2 du prêt" in str(events[0]["SUMMARY"])
    # The second instalment was paid in part: what is left, with the decimal comma escaped in the file.
    assert D(owing[0]["outstanding"]) < D(owing[0]["total_due"])
    assert b"\\," in raw
    # The same file again: the same UIDs, so a calendar updates its events instead of adding copies.
    again = await client.get(f"/v1/loans/{loan.id}/schedule.ics", headers=officer.headers)
    assert [str(e["UID"]) for e in icalendar.Calendar.from_ical(again.content).walk("VEVENT")] == [
        str(e["UID"]) for e in events
    ]


async def reschedule(client: AsyncTestClient[Litestar], officer: Caller, loan_id: uuid.UUID, rate: str) -> None:
    body = {
        "value_date": TODAY.isoformat(),
        "number_of_installments": 18,
        "first_due_date": (TODAY + timedelta(days=28)).isoformat(),
        "annual_interest_rate": rate,
        "reason": "seasonal activity",
    }
    response = await client.post(
        f"/v1/loans/{loan_id}/reschedules", json=body, headers={**officer.headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 201, response.text


async def test_after_a_reschedule_the_files_show_the_amendment_and_the_contract_apart(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    await pay(client, officer, loan.id, str(loan.schedule[0].total))
    await reschedule(client, officer, loan.id, "5.5")
    schedule = await get_json(client, alice, f"/v1/loans/{loan.id}/schedule")
    live, [contract] = schedule["installments"], schedule["earlier_schedules"]
    assert schedule["apr"] != contract["apr"]

    # The loan itself, as the borrower reads it: the amendment in force with its terms and its
    # instalments; the contract's figures apart, under their own names.
    read = await get_json(client, alice, f"/v1/loans/{loan.id}")
    assert (read["amendment"], read["schedule_starts_on"]) == (1, schedule["schedule_starts_on"])
    assert (read["annual_interest_rate"], read["apr"]) == (schedule["annual_interest_rate"], schedule["apr"])
    assert [
        (i["number"], i["due_date"], i["principal"], i["interest"], i["fees"], i["total"]) for i in read["installments"]
    ] == [
        (i["number"], i["due_date"], *(i[f"scheduled_{n}"] for n in ("principal", "interest", "fees", "total")))
        for i in live
    ]
    remaining = D(schedule["outstanding_principal"])
    for item in read["installments"]:
        remaining -= D(item["principal"])
        assert D(item["principal_remaining"]) == remaining
    assert remaining == 0
    assert (read["contract_annual_interest_rate"], read["contract_apr"]) == ("7.45", contract["apr"])
    assert [(i["due_date"], D(i["total"]), D(i["principal_remaining"])) for i in read["contract_installments"]] == [
        (i.due_date.isoformat(), i.total, i.principal_remaining) for i in loan.schedule
    ]

    text = pdf_text((await client.get(f"/v1/loans/{loan.id}/schedule.pdf", headers=alice.headers)).content)
    assert f"Avenant n° 1 du {TODAY:%d/%m/%Y}" in text
    assert "Taux nominal annuel 5,50 %" in text and f"TAEG {_fr(D(schedule['apr']))} %" in text
    current, _, earlier = text.partition("Échéanciers précédents")
    # The live table: the amendment's 18 instalments numbered 1 to 18, none rescheduled.
    for item in live:
        assert f"{item['number']} {date.fromisoformat(item['due_date']):%d/%m/%Y}" in current
    assert " 19 " not in current and "rééchelonnée" not in current
    # The contract's schedule apart, with its own terms, its paid and rescheduled instalments.
    assert f"Contrat du {DISBURSED:%d/%m/%Y}, remplacé le {TODAY:%d/%m/%Y}" in earlier
    assert "TAEG 7,45 %" in earlier and "payée" in earlier and "rééchelonnée" in earlier
    assert f"12 {loan.schedule[-1].due_date:%d/%m/%Y}" in earlier
    # Its instalments as the contract drew them up (principal, interest, fees, total), not what is
    # left of them once the reschedule waived their interest and fees.
    last = loan.schedule[-1]
    drawn_up = " ".join(_fr(amount) for amount in (last.principal, last.interest, last.fees, last.total))
    assert last.interest > 0 and f"12 {last.due_date:%d/%m/%Y} {drawn_up}" in earlier

    calendar = icalendar.Calendar.from_ical(
        (await client.get(f"/v1/loans/{loan.id}/schedule.ics", headers=alice.headers)).content
    )
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{loan.id}-a1-{i['number']}@microcredit" for i in live]
    assert [e.decoded("DTSTART").isoformat() for e in events] == [i["due_date"] for i in live]
    assert "Échéance n° 1 du prêt" in str(events[0]["SUMMARY"])


async def test_the_pdf_names_credit_and_reversals_plainly_and_prints_any_script(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    greek = await create_borrower("Αλίκη Παπαδοπούλου", "aliki@example.org", None, "fr", uow=uow_factory(), now=_now())
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=greek.id)
    owed = sum((i.total for i in loan.schedule[:3]), D(0))
    await pay(client, officer, loan.id, str(owed + D("500.00")))  # the late ones, and 500.00 ahead
    rejected = await client.post(
        f"/v1/loans/{loan.id}/payments",
        json={"amount": {"amount": "75.00", "currency": "EUR"}, "value_date": TODAY.isoformat(), "channel": "card"},
        headers={**officer.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    reversal = await client.post(
        f"/v1/loans/{loan.id}/payments/{rejected.json()['id']}/reversal",
        json={"value_date": TODAY.isoformat(), "reason": "card payment disputed"},
        headers={**officer.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert reversal.status_code == 201, reversal.text
    schedule = await get_json(client, officer, f"/v1/loans/{loan.id}/schedule")
    assert D(schedule["credit_balance"]) > 0 and schedule["status"] == "active"

    text = pdf_text((await client.get(f"/v1/loans/{loan.id}/schedule.pdf", headers=officer.headers)).content)
    # The name in its own script (a Unicode font is embedded), not question marks.
    assert "Αλίκη Παπαδοπούλου" in text and "???" not in text
    # Money kept for the next instalments is not an overpayment to refund while the loan runs.
    assert "rembourser" not in text
    assert f"Avance pour vos prochaines échéances {_fr(D(schedule['credit_balance']))} EUR" in text
    # A reversal shows the amount it takes back.
    assert f"{TODAY:%d/%m/%Y} paiement (annulé) 75,00" in text
    assert f"{TODAY:%d/%m/%Y} annulation -75,00" in text


async def give_offer(uow_factory: SqlUnitOfWorkFactory, loan: Any) -> None:
    """The offer the loan was made from (test loans are written without the origination steps)."""
    application_id = await _application_of_loan(uow_factory, loan.id)
    async with uow_factory() as uow:
        application = await uow.applications.get(application_id)
        assert application is not None
        total = sum((i.total for i in loan.schedule), D(0))
        application.offer = Offer(
            product_version=1,
            amount=D("3000.00"),
            currency="EUR",
            number_of_installments=len(loan.schedule),
            annual_interest_rate=D("7.45"),
            apr=D("7.45"),
            net_disbursed=D("3000.00"),
            total_repayable=total,
            total_interest=total - D("3000.00"),
            total_fees=D("0.00"),
            disbursement_date=loan.disbursed_on,
            first_due_date=loan.schedule[0].due_date,
            issued_on=loan.disbursed_on,
            expires_on=loan.disbursed_on + timedelta(days=30),
            installments=loan.schedule,
        )
        await uow.applications.save(application)
        await uow.commit()


async def _application_of_loan(uow_factory: SqlUnitOfWorkFactory, loan_id: uuid.UUID) -> uuid.UUID:
    async with uow_factory() as uow:
        return await _application_of(uow, loan_id)


async def test_a_borrower_downloads_their_own_contract_and_nobody_elses(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    bob = await sign_in_borrower(client, uow_factory, code_sender, "bob")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    await give_offer(uow_factory, loan)
    response = await client.get(f"/v1/loans/{loan.id}/contract.pdf", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="contrat-MC-')
    text = " ".join(pdf_text(response.content).split())
    assert "Contrat de prêt - microcrédit" in text and "Emprunteur Test Borrower" in text
    assert "TAEG : 7,45 %" in text
    # The lender's details come from the settings (placeholders saying so when not configured).
    assert "Siège adresse du siège non renseignée (LENDER_ADDRESS)" in text
    # Staff too; another borrower, or an unknown loan, is a 404.
    assert (await client.get(f"/v1/loans/{loan.id}/contract.pdf", headers=officer.headers)).status_code == 200
    for loan_id in (loan.id, uuid.uuid4()):
        other = await client.get(f"/v1/loans/{loan_id}/contract.pdf", headers=bob.headers)
        assert other.status_code == 404 and other.json()["code"] == "loan.not_found"


async def test_someone_elses_loan_is_not_found_on_every_self_service_route(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    bob = await sign_in_borrower(client, uow_factory, code_sender, "bob")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=DISBURSED, borrower_id=alice.id)
    unknown = uuid.uuid4()
    for suffix in ("schedule.pdf", "schedule.ics"):
        assert (await client.get(f"/v1/loans/{loan.id}/{suffix}", headers=alice.headers)).status_code == 200
        for loan_id in (loan.id, unknown):
            response = await client.get(f"/v1/loans/{loan_id}/{suffix}", headers=bob.headers)
            assert response.status_code == 404, (suffix, response.text)
            assert response.json()["code"] == "loan.not_found"
    assert (await get_json(client, bob, "/v1/borrower/loans"))["items"] == []


def _fr(amount: Decimal) -> str:
    """``amount`` as the French documents write it, with a plain space between thousands."""
    whole, _, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", " ") + "," + cents


def _now() -> datetime:
    return datetime.now(UTC)
