"""One person's whole path over the API: referral, training, committee, offer, contract, disbursement."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from domain.ledger.model import Account
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import (
    PASSWORD,
    Caller,
    Racing,
    RecordingLoginCodeSender,
    lender_today,
    sign_in_borrower,
    sign_in_partner,
    sign_in_staff,
)
from tests.origination.test_referrals import REFERRAL, refer, referred_applicant
from tests.products.test_http import create as create_product


async def step(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def train(client: AsyncTestClient[Litestar], officer: Caller, applicant_id: str) -> None:
    """Two-week course: enrol, attend every day, complete."""
    programme = await step(
        await client.post(
            "/v1/training-programmes",
            headers=officer.headers,
            json={"name": "Créer son entreprise", "provider_name": "BGE", "duration_days": 10},
        ),
        201,
    )
    today = lender_today()
    starts = today - timedelta(days=20)
    session = await step(
        await client.post(
            "/v1/training-sessions",
            headers=officer.headers,
            json={
                "programme_id": programme["id"],
                "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=4)).isoformat(),
                "capacity": 15,
                "trainer": "M. Martin",
                "location": "Paris 11",
            },
        ),
        201,
    )
    enrolment = await step(
        await client.post(
            f"/v1/training-sessions/{session['id']}/enrolments",
            headers=officer.headers,
            json={"applicant_id": applicant_id},
        ),
        201,
    )
    for offset in range(5):
        day = (starts + timedelta(days=offset)).isoformat()
        await step(
            await client.put(
                f"/v1/enrolments/{enrolment['id']}/attendance/{day}", headers=officer.headers, json={"present": True}
            )
        )
    await step(
        await client.post(
            f"/v1/enrolments/{enrolment['id']}/completion",
            headers=officer.headers,
            json={"completed_on": (starts + timedelta(days=4)).isoformat()},
        ),
        201,
    )


async def test_from_referral_to_disbursement(
    client: AsyncTestClient[Litestar],
    code_sender: RecordingLoginCodeSender,
    uow_factory: SqlUnitOfWorkFactory,
    admin: Caller,
    officer: Caller,
    racing: Racing,
) -> None:
    partner = await sign_in_partner(client, uow_factory, "france-travail")
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    product = await create_product(client, admin)  # €1,000–12,000, 6–48 months, training, 50 % guarantee
    referral = await step(await refer(client, partner, REFERRAL, "scenario"), 201)
    applicant_id = await referred_applicant(client, officer, referral["id"])
    await step(
        await client.put(
            f"/v1/applicants/{applicant_id}/project",
            headers=officer.headers,
            json={
                "activity": "Traiteur africain",
                "legal_status": "micro-entreprise",
                "start_date": "2026-12-01",
                "needs": [
                    {"label": "matériel de cuisine", "amount": "9000.00"},
                    {"label": "stock", "amount": "3000.00"},
                ],
                # The loan applied for is a resource of its own plan, not another lender's microcredit.
                "resources": [
                    {"label": "ce microcrédit", "amount": "10000.00", "kind": "requested_microcredit"},
                    {"label": "prêt d'honneur", "amount": "2000.00", "kind": "honour_loan"},
                ],
                "guarantors": [{"full_name": "Moussa Diallo", "relation": "frère", "amount_guaranteed": "5000.00"}],
                "documents": [
                    {"kind": "identity_document", "filename": "cni.pdf", "received_on": "2026-11-02"},
                    {"kind": "supplier_quote", "filename": "devis-cuisine.pdf", "received_on": "2026-11-03"},
                ],
            },
        )
    )

    app = await step(
        await client.post(
            "/v1/applications",
            headers=officer.headers,
            json={
                "applicant_id": applicant_id,
                "product_id": product["id"],
                "amount": {"amount": "10000.00", "currency": "EUR"},
                "number_of_installments": 36,
                "purpose": "Équipement et stock de départ",
            },
        ),
        201,
    )
    url = f"/v1/applications/{app['id']}"
    # Nothing paid out yet, written like every amount: to the currency's minor unit.
    assert (app["amount"], app["disbursed_amount"]) == ("10000.00", "0.00")

    # Not trained yet: submission refused, each check reported by name.
    refused = await client.post(f"{url}/submission", headers=officer.headers, json={"version": app["version"]})
    assert refused.status_code == 422 and refused.json()["code"] == "application.not_eligible"
    checks = {
        c["name"]: c["passed"] for c in (await step(await client.get(url, headers=officer.headers)))["eligibility"]
    }
    assert checks == {
        "business_project": True,
        "product_amount": True,
        "product_term": True,
        "training_completed": False,
        "legal_ceiling": True,
        "maximum_duration": True,
        "guarantor_coverage": True,
    }

    await train(client, officer, applicant_id)
    app = await step(await client.get(url, headers=officer.headers))
    app = await step(await client.post(f"{url}/submission", headers=officer.headers, json={"version": app["version"]}))
    assert app["status"] == "submitted" and all(c["passed"] for c in app["eligibility"])
    app = await step(await client.post(f"{url}/review", headers=officer.headers, json={"version": app["version"]}))
    app = await step(
        await client.post(f"{url}/committee-referral", headers=officer.headers, json={"version": app["version"]})
    )
    # The officer who prepared the file neither votes nor decides; two committee members vote (the quorum),
    # and one of them decides with the majority.
    refused = await client.post(f"{url}/votes", headers=officer.headers, json={"vote": "approve", "comment": "x"})
    assert refused.status_code == 403  # not a committee member at all
    second = await sign_in_staff(client, uow_factory, "committee-second", "committee_member")
    for member, comment in ((committee, "projet solide"), (second, "d'accord")):
        await step(
            await client.post(f"{url}/votes", headers=member.headers, json={"vote": "approve", "comment": comment}),
            201,
        )
    approved = await step(
        await client.post(
            f"{url}/decision",
            headers=committee.headers,
            json={
                "version": app["version"],
                "decision": "approve",
                "comment": "accord avec conditions",
                "number_of_installments": 30,
                "conditions": ["ouverture d'un compte professionnel"],
            },
        )
    )
    assert approved["status"] == "approved" and approved["number_of_installments"] == 30

    offer_day = lender_today()
    offered = await step(
        await client.post(
            f"{url}/offer",
            headers=officer.headers,
            json={"version": approved["version"], "disbursement_date": offer_day.isoformat()},
        )
    )
    offer = offered["offer"]
    assert offered["status"] == "offer_issued" and len(offer["installments"]) == 30
    assert offer["net_disbursed"] == "9500.00" and Decimal(offer["apr"]) > Decimal("7.45")
    assert offer["expires_on"] == (offer_day + timedelta(days=30)).isoformat()

    pdf = await client.get(f"{url}/contract", headers=officer.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert offer["apr"].replace(".", ",") in text and "Diallo" in text

    signed = await step(
        await client.post(
            f"{url}/signature",
            headers=officer.headers,
            json={"version": offered["version"], "signed_on": offer_day.isoformat()},
        )
    )
    assert signed["status"] == "contract_signed"

    # The committee's condition is met, with its evidence, before any money goes out.
    early = await client.post(
        f"{url}/disbursements",
        json={"amount": {"amount": "10000.00", "currency": "EUR"}, "value_date": offer_day.isoformat()},
        headers={**officer.headers, "Idempotency-Key": "disburse-0"},
    )
    assert early.status_code == 422 and early.json()["code"] == "application.conditions_open"
    met = await step(
        await client.post(
            f"{url}/conditions/1/fulfilment",
            headers=officer.headers,
            json={"version": signed["version"], "evidence": "RIB du compte professionnel"},
        )
    )
    assert met["conditions"][0]["met"] and met["conditions"][0]["met_by"] == str(officer.id)

    # A double-clicked disbursement disburses once.
    body = {"amount": {"amount": "10000.00", "currency": "EUR"}, "value_date": offer_day.isoformat()}
    async with racing() as http:
        answers = await asyncio.gather(
            *(
                http.post(
                    f"{url}/disbursements", json=body, headers={**officer.headers, "Idempotency-Key": "disburse-1"}
                )
                for _ in range(3)
            )
        )
    created = [a.json() for a in answers if a.status_code == 201]
    assert created and all(a.status_code in {201, 409} for a in answers)
    assert len({c["id"] for c in created}) == 1
    disbursement = created[0]
    assert disbursement["paid_out"] == "9500.00" and disbursement["fees_withheld"] == "500.00"
    again = await client.post(
        f"{url}/disbursements", json=body, headers={**officer.headers, "Idempotency-Key": "disburse-1"}
    )
    assert again.status_code == 201 and again.json()["id"] == disbursement["id"]
    over = await client.post(
        f"{url}/disbursements", json=body, headers={**officer.headers, "Idempotency-Key": "disburse-2"}
    )
    assert over.status_code == 409 and over.json()["code"] == "application.illegal_transition"  # all paid out

    async with uow_factory() as uow:
        loan = await uow.loans.get(uuid_of(disbursement["loan_id"]))
        assert loan is not None and loan.principal == Decimal("10000.00") and len(loan.installments) == 30
        assert await uow.ledger.balance(Account.LOAN_PRINCIPAL, loan_id=loan.id) == Decimal("10000.00")
        assert await uow.ledger.balance(Account.BANK) == Decimal("-9500.00")
        assert await uow.ledger.balance(Account.FEE_INCOME, loan_id=loan.id) == Decimal("-500.00")

    # The person now has a borrower space: a one-time code to their address, then their own loan only.
    email = "amina.diallo@example.org"
    await step(await client.post("/v1/borrower-auth/codes", json={"email": email}), 202)
    token = await step(
        await client.post("/v1/borrower-auth/tokens", json={"email": email, "code": code_sender.sent[email]})
    )
    borrower = {"Authorization": f"Bearer {token['access_token']}"}
    own = await step(await client.get(f"/v1/loans/{disbursement['loan_id']}", headers=borrower))
    assert own["principal"] == "10000.00" and len(own["installments"]) == 30 and own["tranches"][0]["tranche"] == 1
    stranger = await sign_in_borrower(client, uow_factory, code_sender, "stranger")
    assert (await client.get(f"/v1/loans/{disbursement['loan_id']}", headers=stranger.headers)).status_code == 404
    assert (await client.get(f"/v1/loans/{disbursement['loan_id']}", headers=partner.headers)).status_code == 403

    followed = await step(await client.get(f"/v1/referrals/{referral['id']}", headers=partner.headers))
    assert followed["stage"] == "financed"
    history = await step(await client.get(f"{url}/history", headers=admin.headers))
    assert [h["action"] for h in history] == [
        "submit",
        "start_review",
        "send_to_committee",
        "approve",
        "issue_offer",
        "sign_contract",
        "meet_condition",
        "disburse",
    ]
    assert history[3]["actor_id"] == str(committee.id) and history[3]["details"]["number_of_installments"] == {
        "from": 36,
        "to": 30,
    }
    assert history[3]["details"]["votes"] == {"approve": 2, "reject": 0, "request_changes": 0}
    assert (await client.get(f"{url}/history", headers=officer.headers)).status_code == 403


async def put_project(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    applicant_id: str,
    *,
    requested: str,
    version: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Save a small business project whose plan lists the loan applied for."""
    body: dict[str, Any] = {
        "activity": "Épicerie fine",
        "legal_status": "micro-entreprise",
        "needs": [{"label": "stock et vitrine", "amount": requested}],
        "resources": [{"label": "ce microcrédit", "amount": requested, "kind": "requested_microcredit"}],
        **changes,
    }
    if version is not None:
        body["version"] = version
    return await step(await client.put(f"/v1/applicants/{applicant_id}/project", headers=officer.headers, json=body))


def uuid_of(text: str) -> Any:
    import uuid

    return uuid.UUID(text)


async def open_application(
    client: AsyncTestClient[Litestar],
    officer: Caller,
    product_id: str,
    person: dict[str, str],
    *,
    amount: str,
    installments: int,
    project: bool = True,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A walk-in applicant (``person``: full_name, email or phone, situation), their business
    project unless ``project`` is false, and a draft application: (url, application, applicant)."""
    applicant = await step(await client.post("/v1/applicants", headers=officer.headers, json=person), 201)
    if project:
        await put_project(client, officer, applicant["id"], requested=amount)
    body = {
        "applicant_id": applicant["id"],
        "product_id": product_id,
        "amount": {"amount": amount, "currency": "EUR"},
        "number_of_installments": installments,
        "purpose": "x",
    }
    app = await step(await client.post("/v1/applications", headers=officer.headers, json=body), 201)
    return f"/v1/applications/{app['id']}", app, applicant


async def test_maker_checker_and_illegal_transitions(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    lea = {"full_name": "Léa", "email": "lea@example.org", "situation": "job_seeker"}
    url, app, _ = await open_application(client, admin, product["id"], lea, amount="3000.00", installments=12)
    early = await client.post(
        f"{url}/decision",
        headers=admin.headers,
        json={"version": app["version"], "decision": "approve", "comment": "x"},
    )
    assert early.status_code == 409 and "draft" in early.json()["detail"]  # the state is checked first
    for path in ("submission", "review", "committee-referral"):
        app = await step(await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]}))
    self_approval = await client.post(
        f"{url}/decision",
        headers=admin.headers,
        json={"version": app["version"], "decision": "approve", "comment": "x"},
    )
    assert self_approval.status_code == 422 and self_approval.json()["code"] == "committee.decider_conflict"
    illegal = await client.post(
        f"{url}/signature",
        headers=admin.headers,
        json={"version": app["version"], "signed_on": lender_today().isoformat()},
    )
    assert illegal.status_code == 409 and "at_committee" in illegal.json()["detail"]
    stale = await client.post(f"{url}/withdrawal", headers=admin.headers, json={"version": app["version"] - 1})
    assert stale.status_code == 409 and stale.json()["code"] == "application.version_mismatch"


async def test_two_officers_at_once_one_wins(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory, racing: Racing
) -> None:
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    first = await sign_in_staff(client, uow_factory, "officer-one", "loan_officer")
    second = await sign_in_staff(client, uow_factory, "officer-two", "loan_officer")
    sam = {"full_name": "Sam", "phone": "0611111111", "situation": "other"}
    url, app, _ = await open_application(client, first, product["id"], sam, amount="2000.00", installments=12)
    async with racing() as http:
        answers = await asyncio.gather(
            http.post(f"{url}/submission", headers=first.headers, json={"version": app["version"]}),
            http.post(f"{url}/withdrawal", headers=second.headers, json={"version": app["version"]}),
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    async with uow_factory() as uow:
        history = await uow.applications.history(app_id := uuid_of(app["id"]))
        assert len(history) == 1 and app_id


async def approved_application(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller, amount: str = "6000.00"
) -> tuple[str, dict[str, Any]]:
    """An application approved by the committee (a product without training or guarantee)."""
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    yasmine = {"full_name": "Yasmine", "email": "yasmine@example.org", "situation": "job_seeker"}
    url, app, _ = await open_application(client, admin, product["id"], yasmine, amount=amount, installments=24)
    for path in ("submission", "review", "committee-referral"):
        app = await step(await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]}))
    second = await staff(client, admin, f"{committee.name}-second", "committee_member")
    for member in (committee, second):  # the default quorum is two votes
        await step(
            await client.post(f"{url}/votes", headers=member.headers, json={"vote": "approve", "comment": "ok"}), 201
        )
    app = await step(
        await client.post(
            f"{url}/decision",
            headers=committee.headers,
            json={"version": app["version"], "decision": "approve", "comment": "ok"},
        )
    )
    return url, app


async def staff(client: AsyncTestClient[Litestar], admin: Caller, username: str, *roles: str) -> Caller:
    """A staff user created by the admin and signed in, through the API."""
    user = await step(
        await client.post(
            "/v1/staff-users",
            headers=admin.headers,
            json={"username": username, "full_name": f"Test {username}", "password": PASSWORD, "roles": list(roles)},
        ),
        201,
    )
    token = await step(await client.post("/v1/auth/token", json={"username": username, "password": PASSWORD}))
    return Caller(username, {"Authorization": f"Bearer {token['access_token']}"}, uuid_of(user["id"]))


async def test_tranches_add_up_to_the_contract_and_only_the_first_withholds_fees(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    url, app = await approved_application(client, admin, committee)
    today = lender_today().isoformat()
    app = await step(
        await client.post(
            f"{url}/offer", headers=admin.headers, json={"version": app["version"], "disbursement_date": today}
        )
    )
    app = await step(
        await client.post(
            f"{url}/signature", headers=admin.headers, json={"version": app["version"], "signed_on": today}
        )
    )
    first = await step(
        await client.post(
            f"{url}/disbursements",
            headers={**admin.headers, "Idempotency-Key": "t1"},
            json={"amount": {"amount": "4000.00", "currency": "EUR"}, "value_date": today},
        ),
        201,
    )
    second = await step(
        await client.post(
            f"{url}/disbursements",
            headers={**admin.headers, "Idempotency-Key": "t2"},
            json={"amount": {"amount": "2000.00", "currency": "EUR"}, "value_date": today},
        ),
        201,
    )
    assert (first["tranche"], first["fees_withheld"], first["paid_out"]) == (1, "300.00", "3700.00")
    assert (second["tranche"], second["fees_withheld"], second["paid_out"]) == (2, "0.00", "2000.00")
    assert first["loan_id"] == second["loan_id"]
    read = await step(await client.get(url, headers=admin.headers))
    assert read["status"] == "disbursed" and read["disbursed_amount"] == "6000.00"
    async with uow_factory() as uow:
        assert await uow.ledger.balance(Account.LOAN_PRINCIPAL, loan_id=uuid_of(first["loan_id"])) == Decimal("6000.00")


async def test_an_offer_expires_and_can_no_longer_be_signed(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    from service.origination.handlers.applications import expire_offers

    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    url, app = await approved_application(client, admin, committee)
    today = lender_today()
    app = await step(
        await client.post(
            f"{url}/offer",
            headers=admin.headers,
            json={"version": app["version"], "disbursement_date": today.isoformat(), "validity_days": 1},
        )
    )
    later = datetime.now(UTC) + timedelta(days=3)
    assert await expire_offers(uow=uow_factory(), now=later, today=today + timedelta(days=3)) == 1
    assert await expire_offers(uow=uow_factory(), now=later, today=today + timedelta(days=3)) == 0  # twice: no change
    read = await step(await client.get(url, headers=admin.headers))
    assert read["status"] == "offer_expired"
    refused = await client.post(
        f"{url}/signature", headers=admin.headers, json={"version": read["version"], "signed_on": today.isoformat()}
    )
    assert refused.status_code == 409 and "offer_expired" in refused.json()["detail"]
    reissued = await step(
        await client.post(
            f"{url}/offer",
            headers=admin.headers,
            json={"version": read["version"], "disbursement_date": today.isoformat()},
        )
    )
    assert reissued["status"] == "offer_issued"


async def test_an_offer_whose_first_due_date_is_years_away_is_refused(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # QA: 36 instalments due from three years out were charged one month's interest for the first
    # three years, a 71-month loan on a 48-month product and a 60-month legal maximum.
    committee = await sign_in_staff(client, uow_factory, "committee-far", "committee_member")
    url, app = await approved_application(client, admin, committee)
    today = lender_today()
    response = await client.post(
        f"{url}/offer",
        headers=admin.headers,
        json={
            "version": app["version"],
            "disbursement_date": today.isoformat(),
            "first_due_date": today.replace(year=today.year + 3).isoformat(),
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "first_due_date"
