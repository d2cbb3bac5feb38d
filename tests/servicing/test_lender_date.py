""" "Today" in the rules is the lender's date (LENDER_TIMEZONE, Europe/Paris by default), not UTC's:
at 23:30 UTC it is already the next day in Paris."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Clock, sign_in_partner
from tests.loans import make_loan
from tests.origination.test_committee import approved_with, disbursement
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import staff, step
from tests.servicing.test_http import payment, post

UTC_DAY = datetime.now(UTC).date()
LATE_EVENING = datetime.combine(UTC_DAY, time(23, 30), UTC)  # 00:30 (or 01:30 in summer) the next day in Paris
PARIS_DAY = UTC_DAY + timedelta(days=1)


async def test_payments_and_payoff_are_dated_by_the_lenders_date(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory, clock: Clock
) -> None:
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=UTC_DAY - timedelta(days=100))
    clock.moment = LATE_EVENING
    paid = await post(client, officer, f"/v1/loans/{loan.id}/payments", payment("100.00", PARIS_DAY))
    assert paid.status_code == 201, paid.text
    payoff = await client.get(f"/v1/loans/{loan.id}/payoff", headers=officer.headers)
    assert payoff.status_code == 200 and payoff.json()["on"] == PARIS_DAY.isoformat()


async def test_a_consent_given_on_the_lenders_date_is_not_in_the_future(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, clock: Clock
) -> None:
    partner = await sign_in_partner(client, uow_factory, "late-partner")
    clock.moment = LATE_EVENING
    body = {**REFERRAL, "consent": {"given": True, "given_on": PARIS_DAY.isoformat()}}
    response = await refer(client, partner, body, "late-consent")
    assert response.status_code == 201, response.text


async def test_a_signed_offer_dated_yesterday_in_paris_needs_a_new_offer(
    client: AsyncTestClient[Litestar], admin: Caller, clock: Clock
) -> None:
    officer = await staff(client, admin, "officer-late", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    clock.moment = datetime.combine(UTC_DAY, time(12, 0), UTC)  # midday: the same date in UTC and Paris
    offer = {"version": app["version"], "disbursement_date": UTC_DAY.isoformat()}
    app = await step(await client.post(f"{url}/offer", headers=officer.headers, json=offer))
    signature = {"version": app["version"], "signed_on": UTC_DAY.isoformat()}
    await step(await client.post(f"{url}/signature", headers=officer.headers, json=signature))
    clock.moment = LATE_EVENING  # the offer's date is over in Paris: its schedule and TAEG no longer hold
    late = await client.post(
        f"{url}/disbursements",
        headers={**officer.headers, "Idempotency-Key": "late"},
        json=disbursement("4000.00", UTC_DAY.isoformat()),
    )
    assert late.status_code == 409 and late.json()["code"] == "offer.disbursement_date_passed"
    read = await client.get(url, headers=officer.headers)
    assert read.json()["status"] == "contract_signed" and read.json()["disbursed_amount"] == "0.00"


async def test_the_schedule_pdf_is_dated_by_the_lenders_date(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory, clock: Clock
) -> None:
    # QA: at 23:35 UTC the schedule PDF said "établi le" the UTC date while the contract and the
    # PDF's own "situation au" line said the Paris date.
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=UTC_DAY - timedelta(days=40))
    clock.moment = LATE_EVENING
    pdf = await client.get(f"/v1/loans/{loan.id}/schedule.pdf", headers=officer.headers)
    assert pdf.status_code == 200, pdf.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Document établi le {PARIS_DAY.strftime('%d/%m/%Y')}" in text, text[-300:]
