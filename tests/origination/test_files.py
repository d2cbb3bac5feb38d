"""Files an officer can trust: the project the committee saw is the one the offer is priced on, the
plan's vocabulary says which loan is which, and every check runs at submission and before the offer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing, lender_today, sign_in_staff
from tests.origination.test_scenario import approved_application, open_application, put_project, staff, step
from tests.products.test_http import create as create_product

TODAY = lender_today()


@pytest.fixture
async def committee(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> Caller:
    return await sign_in_staff(client, uow_factory, "committee-user", "committee_member")


async def draft(
    client: AsyncTestClient[Litestar],
    admin: Caller,
    amount: str = "6000.00",
    person: str = "ines",
    **product: Any,
) -> tuple[str, dict[str, Any], str]:
    """A draft application of a new applicant (no project yet) on a product without training or guarantee."""
    terms = {"requires_training": False, "guarantor_coverage_percent": "0", **product}
    created = await create_product(client, admin, f"PRO-{person.upper()}", **terms)
    person_in = {"full_name": "Inès", "email": f"{person}@example.org", "situation": "job_seeker"}
    url, app, applicant = await open_application(
        client, admin, created["id"], person_in, amount=amount, installments=24, project=False
    )
    return url, app, applicant["id"]


def failed_checks(app: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in app["eligibility"] if not c["passed"]}


async def test_a_file_without_a_business_project_cannot_be_submitted(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    url, app, applicant_id = await draft(client, admin)
    refused = await client.post(f"{url}/submission", headers=admin.headers, json={"version": app["version"]})
    assert refused.status_code == 422 and refused.json()["code"] == "application.not_eligible"
    assert "business_project" in refused.json()["detail"]
    read = await step(await client.get(url, headers=admin.headers))
    assert read["status"] == "draft" and set(failed_checks(read)) == {"business_project"}
    await put_project(client, admin, applicant_id, requested="6000.00")
    submitted = await step(
        await client.post(f"{url}/submission", headers=admin.headers, json={"version": read["version"]})
    )
    assert submitted["status"] == "submitted"


async def test_the_project_cannot_change_once_the_committee_has_the_file(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    url, app, applicant_id = await draft(client, admin)
    project = await put_project(client, admin, applicant_id, requested="6000.00")
    for path in ("submission", "review", "committee-referral"):
        app = await step(await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]}))
    bigger_plan = {"needs": [{"label": "camion", "amount": "30000.00"}]}

    async def change(version: int) -> Any:
        return await client.put(
            f"/v1/applicants/{applicant_id}/project",
            headers=admin.headers,
            json={"activity": "Transport", "legal_status": "SAS", "version": version, **bigger_plan},
        )

    at_committee = await change(project["version"])
    assert at_committee.status_code == 409 and at_committee.json()["code"] == "project.under_decision"
    assert "at_committee" in at_committee.json()["detail"]
    second = await staff(client, admin, f"{committee.name}-second", "committee_member")

    async def votes(value: str) -> None:  # the default quorum is two votes
        for member in (committee, second):
            await step(
                await client.post(f"{url}/votes", headers=member.headers, json={"vote": value, "comment": value}), 201
            )

    # The committee sends the file back to review: the plan may change again, and the change is on file.
    await votes("request_changes")
    sent_back = await step(
        await client.post(
            f"{url}/decision",
            headers=committee.headers,
            json={"version": app["version"], "decision": "request_changes", "comment": "revoir le plan"},
        )
    )
    assert sent_back["status"] == "under_review"
    changed = await step(await change(project["version"]))
    assert changed["version"] == project["version"] + 1
    app = await step(
        await client.post(f"{url}/committee-referral", headers=admin.headers, json={"version": sent_back["version"]})
    )
    await votes("approve")
    approved = await step(
        await client.post(
            f"{url}/decision",
            headers=committee.headers,
            json={"version": app["version"], "decision": "approve", "comment": "ok"},
        )
    )
    after_approval = await change(changed["version"])
    assert after_approval.status_code == 409 and "approved" in after_approval.json()["detail"]
    read = await step(await client.get(f"/v1/applicants/{applicant_id}/project", headers=admin.headers))
    assert read["activity"] == "Transport" and read["version"] == changed["version"]
    history = await step(await client.get(f"{url}/history", headers=admin.headers))
    referrals = [h for h in history if h["action"] == "send_to_committee"]
    assert [h["details"]["project_version"] for h in referrals] == [project["version"], changed["version"]]
    assert approved["status"] == "approved"


async def test_a_withdrawn_file_frees_the_project(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    url, app, applicant_id = await draft(client, admin)
    project = await put_project(client, admin, applicant_id, requested="6000.00")
    for path in ("submission", "review", "committee-referral", "withdrawal"):
        app = await step(await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]}))
    await put_project(client, admin, applicant_id, requested="5000.00", version=project["version"])


async def test_the_loan_applied_for_in_the_plan_is_not_another_lenders_loan(
    client: AsyncTestClient[Litestar], admin: Caller, committee: Caller
) -> None:
    # approved_application's plan lists the 10,000 applied for as requested_microcredit: 10,000 <= 12,000.
    url, app = await approved_application(client, admin, committee, amount="10000.00")
    offered = await step(
        await client.post(
            f"{url}/offer",
            headers=admin.headers,
            json={"version": app["version"], "disbursement_date": TODAY.isoformat()},
        )
    )
    assert offered["status"] == "offer_issued"
    (ceiling,) = [c for c in offered["eligibility"] if c["name"] == "legal_ceiling"]
    assert ceiling["passed"] and ceiling["detail"].startswith("this loan 10000.00 + outstanding on loans with us 0")


async def test_the_ceiling_names_the_source_of_every_figure(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    url, app, applicant_id = await draft(client, admin, amount="10000.00")
    await put_project(
        client,
        admin,
        applicant_id,
        requested="10000.00",
        resources=[
            {"label": "ce microcrédit", "amount": "10000.00", "kind": "requested_microcredit"},
            {"label": "Adie", "amount": "3000.00", "kind": "other_microcredit"},
        ],
    )
    english = {**admin.headers, "Accept-Language": "en"}
    refused = await client.post(f"{url}/submission", headers=english, json={"version": app["version"]})
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "legal_ceiling: this loan 10000.00 + outstanding on loans with us 0.00 + offered or signed with us, "
        "not yet paid out 0.00 + another lender's microcredit in the financing plan (Adie) 3000.00 = 13000.00 "
        "EUR; legal ceiling 12000.00 EUR (in force since 2022-02-07)"
    )
    # French by default: the same figures and sources, the words and number format translated.
    version = (await client.get(url, headers=admin.headers)).json()["version"]  # the refusal's checks are kept
    french = await client.post(f"{url}/submission", headers=admin.headers, json={"version": version})
    assert french.status_code == 422
    assert french.json()["detail"] == (
        "legal_ceiling: ce prêt 10\u202f000,00 + encours de nos prêts 0,00 + offert ou signé chez nous, pas encore "
        "versé 0,00 + microcrédit d'un autre prêteur au plan de financement (Adie) 3\u202f000,00 = 13\u202f000,00 "
        "EUR ; plafond légal 12\u202f000,00 EUR (en vigueur depuis le 07/02/2022)"
    )


async def test_the_old_ambiguous_kind_is_refused_naming_the_field(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    _, _, applicant_id = await draft(client, admin)
    response = await client.put(
        f"/v1/applicants/{applicant_id}/project",
        headers=admin.headers,
        json={
            "activity": "x",
            "legal_status": "EI",
            "resources": [{"label": "microcrédit", "amount": "6000.00", "kind": "microcredit"}],
        },
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "resources[0].kind"


async def test_an_unknown_project_currency_is_refused_naming_the_field(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    _, _, applicant_id = await draft(client, admin)
    response = await client.put(
        f"/v1/applicants/{applicant_id}/project",
        headers=admin.headers,
        json={"activity": "x", "legal_status": "EI", "currency": "XYZ"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "money.unknown_currency"
    assert [e["field"] for e in response.json()["errors"]] == ["currency"]


async def test_a_personal_loan_above_the_usury_rate_is_refused_at_submission(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    # 7.45 % plus a 5 % fee withheld: a TAEG above the 8.63 % threshold for personal loans over 6,000.
    url, app, applicant_id = await draft(client, admin, amount="7000.00", category="personal_microcredit")
    await put_project(client, admin, applicant_id, requested="7000.00")
    refused = await client.post(f"{url}/submission", headers=admin.headers, json={"version": app["version"]})
    assert refused.status_code == 422, refused.text
    usury = failed_checks(await step(await client.get(url, headers=admin.headers)))["usury_threshold"]
    assert usury.startswith("indicative TAEG (disbursed today) ") and "usury threshold 8.63 %" in usury


async def test_a_project_change_racing_the_committee_referral_never_slips_past_it(
    client: AsyncTestClient[Litestar], admin: Caller, racing: Racing
) -> None:
    for attempt in range(3):
        url, app, applicant_id = await draft(client, admin, person=f"ines-{attempt}")
        project = await put_project(client, admin, applicant_id, requested="6000.00")
        for path in ("submission", "review"):
            app = await step(
                await client.post(f"{url}/{path}", headers=admin.headers, json={"version": app["version"]})
            )
        body = {"activity": f"Autre projet {attempt}", "legal_status": "SAS", "version": project["version"]}
        async with racing() as http:
            referral, change = await asyncio.gather(
                http.post(f"{url}/committee-referral", headers=admin.headers, json={"version": app["version"]}),
                http.put(f"/v1/applicants/{applicant_id}/project", headers=admin.headers, json=body),
            )
        assert referral.status_code == 200, referral.text
        assert change.status_code in {200, 409}, change.text
        # Whichever came first, the committee holds the plan that is stored.
        history = await step(await client.get(f"{url}/history", headers=admin.headers))
        stored = await step(await client.get(f"/v1/applicants/{applicant_id}/project", headers=admin.headers))
        assert history[-1]["details"]["project_version"] == stored["version"], change.status_code
