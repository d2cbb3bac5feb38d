"""A referred person's path over the API, step by step, for the partners' tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.followup.model import add_months
from tests.conftest import Caller, lender_today
from tests.origination.test_referrals import REFERRAL, refer, referred_applicant
from tests.origination.test_scenario import put_project, staff, step, train
from tests.products.test_http import create as create_product


def referral_body(*, email: str, reference: str | None = None, share_amount: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        **REFERRAL,
        "person": {"full_name": "Awa Ndiaye", "email": email},
        "consent": {**REFERRAL["consent"], "share_loan_amount": share_amount},
    }
    if reference is not None:
        body["partner_reference"] = reference
    return body


@dataclass
class Journey:
    """The person's path: each step is a call to the service as staff would make it."""

    client: AsyncTestClient[Litestar]
    admin: Caller
    officer: Caller
    referral_id: str = ""
    applicant_id: str = ""
    url: str = ""
    app: dict[str, Any] = field(default_factory=dict)
    loan_id: str = ""

    async def referred_by(self, partner: Caller, body: dict[str, Any], key: str = "journey") -> None:
        referral = await step(await refer(self.client, partner, body, key), 201)
        self.referral_id = referral["id"]
        self.applicant_id = await referred_applicant(self.client, self.officer, self.referral_id)

    async def contacted(self) -> None:
        applicant = await step(
            await self.client.get(f"/v1/applicants/{self.applicant_id}", headers=self.officer.headers)
        )
        await step(
            await self.client.patch(
                f"/v1/applicants/{self.applicant_id}",
                headers=self.officer.headers,
                json={"version": applicant["version"], "stage": "contacted"},
            )
        )

    async def trained(self) -> None:
        await train(self.client, self.officer, self.applicant_id)

    async def at_committee(self, *, business_started: date, amount: str = "6000.00") -> None:
        product = await create_product(self.client, self.admin, requires_training=False, guarantor_coverage_percent="0")
        await put_project(
            self.client, self.officer, self.applicant_id, requested=amount, start_date=business_started.isoformat()
        )
        body = {
            "applicant_id": self.applicant_id,
            "product_id": product["id"],
            "amount": {"amount": amount, "currency": "EUR"},
            "number_of_installments": 24,
            "purpose": "x",
        }
        app = await step(await self.client.post("/v1/applications", headers=self.officer.headers, json=body), 201)
        self.url = f"/v1/applications/{app['id']}"
        for path in ("submission", "review", "committee-referral"):
            app = await step(
                await self.client.post(
                    f"{self.url}/{path}", headers=self.officer.headers, json={"version": app["version"]}
                )
            )
        self.app = app

    async def decided(self, decision: str, **extra: Any) -> None:
        members = [await staff(self.client, self.admin, f"member-{n}-{decision}", "committee_member") for n in (1, 2)]
        for member in members:
            await step(
                await self.client.post(
                    f"{self.url}/votes", headers=member.headers, json={"vote": decision, "comment": "secret opinion"}
                ),
                201,
            )
        self.app = await step(
            await self.client.post(
                f"{self.url}/decision",
                headers=members[0].headers,
                json={"version": self.app["version"], "decision": decision, "comment": "committee's comment", **extra},
            )
        )

    async def disbursed(self) -> None:
        today = lender_today().isoformat()
        offered = await step(
            await self.client.post(
                f"{self.url}/offer",
                headers=self.officer.headers,
                json={"version": self.app["version"], "disbursement_date": today},
            )
        )
        signed = await step(
            await self.client.post(
                f"{self.url}/signature",
                headers=self.officer.headers,
                json={"version": offered["version"], "signed_on": today},
            )
        )
        paid = await step(
            await self.client.post(
                f"{self.url}/disbursements",
                json={"amount": {"amount": signed["amount"], "currency": "EUR"}, "value_date": today},
                headers={**self.officer.headers, "Idempotency-Key": f"pay-{self.applicant_id}"},
            ),
            201,
        )
        self.loan_id = paid["loan_id"]

    async def business_reported(self, status: str = "active") -> None:
        """The follow-up contact held today reports on the business (started a year ago)."""
        plan = await step(await self.client.get(f"/v1/loans/{self.loan_id}/follow-up", headers=self.officer.headers))
        contact = plan["contacts"][0]
        body = {
            "contacted_on": lender_today().isoformat(),
            "business_status": status,
            "revenue_band": "under_10k",
            "jobs_created": 1,
            "difficulties": "private notes",
        }
        await step(
            await self.client.post(
                f"/v1/follow-up-contacts/{contact['id']}/outcome", json=body, headers=self.officer.headers
            )
        )


def a_year_ago() -> date:
    return add_months(lender_today(), -12)


MILESTONES_OF_A_FULL_PATH = [
    "referral.contacted",
    "referral.training_started",
    "referral.training_completed",
    "referral.application_submitted",
    "referral.approved",
    "referral.loan_disbursed",
    "referral.business_checkpoint",
]


async def full_path(journey: Journey, partner: Caller, body: dict[str, Any]) -> None:
    await journey.referred_by(partner, body)
    await journey.contacted()
    await journey.trained()
    await journey.at_committee(business_started=a_year_ago())
    await journey.decided("approve")
    await journey.disbursed()
    await journey.business_reported("active")
