"""One person through the whole path over the API, for the privacy tests: referral, project,
training, committee, offer, signature, disbursement, repayment in full, a follow-up contact; the
referring partner follows them by feed and webhook."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.origination.test_referrals import refer, referred_applicant
from tests.origination.test_scenario import staff, step, train
from tests.products.test_http import create as create_product

Client = AsyncTestClient[Litestar]

# Everything the path enters about the person: each must be in the export, none left after erasure.
PERSON = {
    "full_name": "Fatoumata Kouyaté",
    "email": "fatoumata.kouyate@example.org",
    "phone": "+33698765432",
    "postal_address": "17 rue des Orteaux, 75020 Paris",
    "project_idea": "Atelier de couture wax sur mesure",
    "activity": "Couture et retouches Kouyaté",
    "guarantor": "Mamadou Kouyaté",
    "purpose": "Machines à coudre pour l'atelier Kouyaté",
    "vote_comment": "Mme Kouyaté connaît bien son marché",
    "difficulties": "Fatoumata manque de trésorerie en janvier",
    "partner_reference": "ML-KOUYATE-2026",
}


@dataclass(frozen=True)
class Path:
    applicant_id: str
    referral_id: str
    application_url: str
    loan_id: str
    partner: Caller


async def whole_path(client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory) -> Path:
    partner = await sign_in_partner(client, uow_factory, "mission-locale")
    # The partner follows the person by webhook too (deliveries stay pending: no worker runs here).
    hook = {"url": "http://127.0.0.1:9/hooks", "event_types": []}
    await step(await client.post("/v1/partner/webhooks", json=hook, headers=partner.headers), 201)
    referral_body = {
        "person": {"full_name": PERSON["full_name"], "email": PERSON["email"], "phone": "06 98 76 54 32"},
        "situation": "minimum_income_beneficiary",
        "project_idea": PERSON["project_idea"],
        "partner_contact": {"name": "Conseiller ML", "email": "conseil@ml.example"},
        "consent": {"given": True, "given_on": "2026-11-02", "share_loan_amount": True},
        "partner_reference": PERSON["partner_reference"],
    }
    referral = await step(await refer(client, partner, referral_body, "privacy-path"), 201)
    applicant_id = await referred_applicant(client, officer, referral["id"])
    applicant = await step(await client.get(f"/v1/applicants/{applicant_id}", headers=officer.headers))
    await step(
        await client.patch(
            f"/v1/applicants/{applicant_id}",
            headers=officer.headers,
            json={"version": applicant["version"], "postal_address": PERSON["postal_address"]},
        )
    )
    await step(
        await client.put(
            f"/v1/applicants/{applicant_id}/project",
            headers=officer.headers,
            json={
                "activity": PERSON["activity"],
                "legal_status": "micro-entreprise",
                "needs": [{"label": "machines", "amount": "3000.00"}],
                "resources": [{"label": "ce microcrédit", "amount": "3000.00", "kind": "requested_microcredit"}],
                "guarantors": [{"full_name": PERSON["guarantor"], "relation": "frère", "amount_guaranteed": "1500.00"}],
            },
        )
    )
    await train(client, officer, applicant_id)
    product = await create_product(client, admin)  # training required, 50 % guaranteed
    app = await step(
        await client.post(
            "/v1/applications",
            headers=officer.headers,
            json={
                "applicant_id": applicant_id,
                "product_id": product["id"],
                "amount": {"amount": "3000.00", "currency": "EUR"},
                "number_of_installments": 6,
                "purpose": PERSON["purpose"],
            },
        ),
        201,
    )
    url = f"/v1/applications/{app['id']}"
    for path in ("submission", "review", "committee-referral"):
        app = await step(await client.post(f"{url}/{path}", headers=officer.headers, json={"version": app["version"]}))
    members = [await staff(client, admin, f"privacy-member-{n}", "committee_member") for n in (1, 2)]
    for member in members:
        vote = {"vote": "approve", "comment": PERSON["vote_comment"]}
        await step(await client.post(f"{url}/votes", headers=member.headers, json=vote), 201)
    app = await step(
        await client.post(
            f"{url}/decision",
            headers=members[0].headers,
            json={"version": app["version"], "decision": "approve", "comment": "accord"},
        )
    )
    today = lender_today().isoformat()
    app = await step(
        await client.post(
            f"{url}/offer", headers=officer.headers, json={"version": app["version"], "disbursement_date": today}
        )
    )
    app = await step(
        await client.post(
            f"{url}/signature", headers=officer.headers, json={"version": app["version"], "signed_on": today}
        )
    )
    disbursement = await step(
        await client.post(
            f"{url}/disbursements",
            json={"amount": {"amount": "3000.00", "currency": "EUR"}, "value_date": today},
            headers={**officer.headers, "Idempotency-Key": "privacy-disburse"},
        ),
        201,
    )
    loan_id = disbursement["loan_id"]
    payoff = await step(await client.get(f"/v1/loans/{loan_id}/payoff", headers=officer.headers))
    await step(
        await client.post(
            f"/v1/loans/{loan_id}/payments",
            json={"amount": _amount_of(payoff), "value_date": today, "channel": "transfer"},
            headers={**officer.headers, "Idempotency-Key": uuid.uuid4().hex},
        ),
        201,
    )
    await step(
        await client.post(
            f"/v1/loans/{loan_id}/follow-up/contacts",
            json={
                "contacted_on": today,
                "business_status": "active",
                "revenue_band": "under_10k",
                "jobs_created": 1,
                "difficulties": PERSON["difficulties"],
            },
            headers=officer.headers,
        ),
        201,
    )
    return Path(applicant_id, referral["id"], url, loan_id, partner)


def _amount_of(payoff: dict[str, Any]) -> dict[str, str]:
    return {"amount": payoff["amount"], "currency": payoff["currency"]}
