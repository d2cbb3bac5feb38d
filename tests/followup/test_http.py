"""Post-creation follow-up over the API: the plan made at disbursement, outcomes recorded once,
unplanned contacts, an officer's agenda, and survival and jobs reported (checked by hand)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.followup.model import add_months
from service.followup.handlers import create_plan
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_staff
from tests.loans import make_loan
from tests.origination.test_scenario import approved_application, step
from tests.products.test_http import PRODUCT_TERMS, create

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()  # the lender's date (LENDER_TIMEZONE)


def outcome(on: date, status: str = "active", jobs: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "contacted_on": on.isoformat(),
        "business_status": status,
        "revenue_band": "under_10k",
        "jobs_created": jobs,
        **extra,
    }


def fields(response: Any) -> list[str]:
    """The fields the problem names (an unknown field is named in the reason of the body's error)."""
    return [f"{error.get('field')}: {error.get('reason', '')}" for error in response.json().get("errors", [])]


async def planned_loan(
    uow_factory: SqlUnitOfWorkFactory, officer: Caller, disbursed_on: date, **borrower: str
) -> uuid.UUID:
    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=disbursed_on, **borrower)  # type: ignore[arg-type]
    await create_plan(loan.id, uow=uow_factory())
    return loan.id


async def test_the_first_disbursement_makes_the_plan_from_the_disbursement_date(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    committee = await sign_in_staff(client, uow_factory, "committee-user", "committee_member")
    url, app = await approved_application(client, admin, committee)
    today = TODAY.isoformat()
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
    for key, amount in (("t1", "4000.00"), ("t2", "2000.00")):  # the second tranche adds no second plan
        tranche = await step(
            await client.post(
                f"{url}/disbursements",
                headers={**admin.headers, "Idempotency-Key": key},
                json={"amount": {"amount": amount, "currency": "EUR"}, "value_date": today},
            ),
            201,
        )
    plan = await step(await client.get(f"/v1/loans/{tranche['loan_id']}/follow-up", headers=admin.headers))
    assert plan["start_on"] == today and plan["start_source"] == "disbursement_date"
    assert plan["offsets_months"] == [1, 3, 6, 12, 24]
    assert [c["due_on"] for c in plan["contacts"]] == [add_months(TODAY, m).isoformat() for m in (1, 3, 6, 12, 24)]
    assert {c["officer_id"] for c in plan["contacts"]} == {app["officer_id"]}
    assert all(c["planned"] and c["outcome"] is None for c in plan["contacts"])


async def test_an_outcome_is_recorded_once_and_shows_in_the_plan(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan_id = await planned_loan(uow_factory, officer, TODAY - timedelta(days=40))
    plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
    first = plan["contacts"][0]
    body = outcome(TODAY, "in_difficulty", 1, difficulties="slow season", actions=["coaching", "rescheduling_request"])
    recorded = await client.post(f"/v1/follow-up-contacts/{first['id']}/outcome", json=body, headers=officer.headers)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["version"] == 2
    assert recorded.json()["outcome"] == {**body, "actions": ["coaching", "rescheduling_request"]}
    again = await client.post(f"/v1/follow-up-contacts/{first['id']}/outcome", json=body, headers=officer.headers)
    assert again.status_code == 409 and again.json()["code"] == "followup.outcome_already_recorded"
    plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
    assert plan["contacts"][0]["outcome"]["business_status"] == "in_difficulty"
    assert all(c["outcome"] is None for c in plan["contacts"][1:])


async def test_an_unplanned_contact_is_added_with_its_outcome_by_a_mentor_or_the_caller(
    client: AsyncTestClient[Litestar], officer: Caller, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan_id = await planned_loan(uow_factory, officer, TODAY - timedelta(days=40))
    by_mentor = await client.post(
        f"/v1/loans/{loan_id}/follow-up/contacts",
        json=outcome(TODAY, jobs=2, mentor_name="Jeanne Martin", actions=["referral_to_other_service"]),
        headers=officer.headers,
    )
    assert by_mentor.status_code == 201, by_mentor.text
    contact = by_mentor.json()
    assert (contact["number"], contact["planned"], contact["due_on"]) == (6, False, None)
    assert (contact["mentor_name"], contact["officer_id"]) == ("Jeanne Martin", None)
    by_admin = await client.post(f"/v1/loans/{loan_id}/follow-up/contacts", json=outcome(TODAY), headers=admin.headers)
    assert by_admin.status_code == 201 and by_admin.json()["officer_id"] == str(admin.id)
    plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
    assert [c["number"] for c in plan["contacts"]] == [1, 2, 3, 4, 5, 6, 7]


async def test_a_loan_without_a_plan_gets_one_with_its_first_unplanned_contact(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=10))
    missing = await client.get(f"/v1/loans/{loan.id}/follow-up", headers=officer.headers)
    assert missing.status_code == 404 and missing.json()["code"] == "followup.no_plan"
    added = await client.post(f"/v1/loans/{loan.id}/follow-up/contacts", json=outcome(TODAY), headers=officer.headers)
    assert added.status_code == 201, added.text
    plan = (await client.get(f"/v1/loans/{loan.id}/follow-up", headers=officer.headers)).json()
    assert len(plan["contacts"]) == 6
    assert (await create_plan(loan.id, uow=uow_factory())).id == uuid.UUID(plan["id"])  # no second plan


async def test_the_agenda_lists_overdue_due_and_done_contacts_of_the_officer(
    client: AsyncTestClient[Litestar], officer: Caller, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    start = add_months(TODAY, -3) + timedelta(days=10)
    loan_id = await planned_loan(uow_factory, officer, start, borrower_name="Awa Ndiaye", borrower_phone="+33698765432")
    plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
    one, three = plan["contacts"][0], plan["contacts"][1]
    agenda = (await client.get("/v1/follow-up/agenda", headers=officer.headers)).json()
    assert agenda["officer_id"] == str(officer.id) and agenda["on"] == TODAY.isoformat()
    assert agenda["officer_name"] == "Test officer-user"
    assert [c["id"] for c in agenda["overdue"]] == [one["id"]]
    # Whom to call, not only a loan id.
    assert (agenda["overdue"][0]["borrower_name"], agenda["overdue"][0]["borrower_phone"]) == (
        "Awa Ndiaye",
        "+33698765432",
    )
    assert agenda["due"][0]["borrower_name"] == "Awa Ndiaye" and agenda["due"][0]["applicant_id"]
    assert [c["id"] for c in agenda["due"]] == [three["id"]]
    assert agenda["done"] == []
    await client.post(f"/v1/follow-up-contacts/{one['id']}/outcome", json=outcome(TODAY), headers=officer.headers)
    agenda = (await client.get(f"/v1/follow-up/agenda?officer_id={officer.id}", headers=admin.headers)).json()
    assert (agenda["overdue"], [c["id"] for c in agenda["done"]]) == ([], [one["id"]])
    own = (await client.get("/v1/follow-up/agenda", headers=admin.headers)).json()
    assert own["officer_id"] == str(admin.id) and own["overdue"] == own["due"] == own["done"] == []
    later = add_months(start, 7).isoformat()  # the 6-month contact is overdue then too; the done one has aged off
    agenda = (await client.get(f"/v1/follow-up/agenda?on={later}", headers=officer.headers)).json()
    assert [c["number"] for c in agenda["overdue"]] == [2, 3] and agenda["done"] == []


async def test_report_of_survival_and_jobs_by_officer_checked_by_hand(
    client: AsyncTestClient[Litestar], officer: Caller, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    old = add_months(TODAY, -48)
    young = add_months(TODAY, -18)
    alive, closed, recent = (
        await planned_loan(uow_factory, officer, old),
        await planned_loan(uow_factory, officer, old),
        await planned_loan(uow_factory, officer, young),
    )

    async def contacts(loan_id: uuid.UUID) -> list[dict[str, Any]]:
        plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
        return list(plan["contacts"])

    async def record(contact: dict[str, Any], body: dict[str, Any]) -> None:
        response = await client.post(
            f"/v1/follow-up-contacts/{contact['id']}/outcome", json=body, headers=admin.headers
        )
        assert response.status_code == 200, response.text

    # alive: active with 2 jobs at 24 months, active with 3 jobs at 37 months (unplanned)
    await record((await contacts(alive))[4], outcome(add_months(old, 24), jobs=2))
    extra = await client.post(
        f"/v1/loans/{alive}/follow-up/contacts", json=outcome(add_months(old, 37), jobs=3), headers=admin.headers
    )
    assert extra.status_code == 201, extra.text
    # closed at 6 months; recent: active with 1 job at 1 month, nobody looked since
    await record((await contacts(closed))[2], outcome(add_months(old, 6), "closed"))
    await record((await contacts(recent))[0], outcome(add_months(young, 1), jobs=1))

    response = await client.get("/v1/follow-up/report?group_by=officer", headers=admin.headers)
    assert response.status_code == 200, response.text
    [group] = [g for g in response.json()["groups"] if g["key"] == str(officer.id)]
    assert group["name"] == "Test officer-user"
    assert group["businesses"] == 3 and group["jobs_created"] == 3 + 0 + 1
    survival = {
        s["years"]: (s["eligible"], s["surviving"], s["closed"], s["unknown"], s["rate"]) for s in group["survival"]
    }
    assert survival == {
        1: (3, 1, 1, 1, "0.3333"),
        2: (2, 1, 1, 0, "0.5000"),
        3: (2, 1, 1, 0, "0.5000"),
    }
    by_product = (await client.get("/v1/follow-up/report?group_by=product", headers=admin.headers)).json()
    assert sum(g["businesses"] for g in by_product["groups"]) >= 3
    assert {g["name"] for g in by_product["groups"]} == {"Test product"}
    by_partner = (await client.get("/v1/follow-up/report?group_by=partner", headers=admin.headers)).json()
    # none of these borrowers was referred
    assert [(g["key"], g["name"]) for g in by_partner["groups"]] == [(None, None)]


async def test_bad_input_is_a_4xx_naming_the_field(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    loan_id = await planned_loan(uow_factory, officer, TODAY - timedelta(days=40))
    contact = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()["contacts"][0]
    url = f"/v1/follow-up-contacts/{contact['id']}/outcome"
    cases: list[tuple[dict[str, Any], int, str]] = [
        (outcome(TODAY, jobs=-1), 400, "jobs_created"),
        (outcome(TODAY, "bankrupt"), 400, "business_status"),
        ({**outcome(TODAY), "revenue_band": "lots"}, 400, "revenue_band"),
        (outcome(TODAY, actions=["pray"]), 400, "actions"),
        (outcome(TODAY, actions=["coaching", "coaching"]), 422, "actions"),
        (outcome(TODAY + timedelta(days=1)), 422, "contacted_on"),
        (outcome(TODAY - timedelta(days=400)), 422, "contacted_on"),
        ({**outcome(TODAY), "colour": "red"}, 400, "colour"),
    ]
    for body, status, field in cases:
        response = await client.post(url, json=body, headers=officer.headers)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert any(field in f for f in fields(response)), (body, response.text)
    blank_mentor = await client.post(
        f"/v1/loans/{loan_id}/follow-up/contacts", json=outcome(TODAY, mentor_name=" "), headers=officer.headers
    )
    assert blank_mentor.status_code == 400 and "mentor_name" in str(fields(blank_mentor))
    unknown = await client.post(
        f"/v1/follow-up-contacts/{uuid.uuid4()}/outcome", json=outcome(TODAY), headers=officer.headers
    )
    assert unknown.status_code == 404
    unknown_loan = await client.post(
        f"/v1/loans/{uuid.uuid4()}/follow-up/contacts", json=outcome(TODAY), headers=officer.headers
    )
    assert unknown_loan.status_code == 404
    for query in ("group_by=bogus", "on=yesterday"):
        assert (await client.get(f"/v1/follow-up/report?{query}", headers=officer.headers)).status_code == 400
    for query in ("officer_id=nope", "on=2026-13-01"):
        assert (await client.get(f"/v1/follow-up/agenda?{query}", headers=officer.headers)).status_code == 400
    # The agenda looks 30 days around its day: the ends of the calendar are refused, not a 500.
    for route in ("agenda", "report"):
        for day in ("9999-12-31", "0001-01-01"):
            far = await client.get(f"/v1/follow-up/{route}?on={day}", headers=officer.headers)
            assert far.status_code == 422 and far.json()["errors"][0]["field"] == "on", far.text


async def test_a_product_version_carries_its_follow_up_template(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    assert officer.id is not None
    product = await create(client, admin, code="FOLLOW-2-12", follow_up_months=[2, 12])
    assert product["terms"]["follow_up_months"] == [2, 12]
    default = await create(client, admin, code="FOLLOW-DEFAULT")
    assert default["terms"]["follow_up_months"] == [1, 3, 6, 12, 24]
    start = TODAY - timedelta(days=5)
    loan = await make_loan(uow_factory, officer_id=officer.id, product_id=uuid.UUID(product["id"]), disbursed_on=start)
    plan = await create_plan(loan.id, uow=uow_factory())
    assert plan.offsets_months == (2, 12) and [c.due_on for c in plan.contacts] == [
        add_months(start, 2),
        add_months(start, 12),
    ]
    for months, status in (([3, 1], 422), ([0], 400), ([], 400)):
        response = await client.post(
            "/v1/loan-products",
            headers=admin.headers,
            json={"code": "FOLLOW-BAD", "name": "x", "terms": {**PRODUCT_TERMS, "follow_up_months": months}},
        )
        assert response.status_code == status, response.text
        assert any("follow_up_months" in f for f in fields(response)), response.text


async def test_a_planned_contact_is_handed_to_a_mentor_or_another_officer_until_it_is_done(
    client: AsyncTestClient[Litestar], officer: Caller, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    start = add_months(TODAY, -3) + timedelta(days=10)
    loan_id = await planned_loan(uow_factory, officer, start)
    plan = (await client.get(f"/v1/loans/{loan_id}/follow-up", headers=officer.headers)).json()
    first, second = plan["contacts"][0]["id"], plan["contacts"][1]["id"]
    path = f"/v1/follow-up-contacts/{first}/assignment"
    to_mentor = await client.post(path, json={"mentor_name": "Mme Durand (EGEE)"}, headers=officer.headers)
    assert to_mentor.status_code == 200, to_mentor.text
    assert (to_mentor.json()["mentor_name"], to_mentor.json()["officer_id"]) == ("Mme Durand (EGEE)", None)
    agenda = (await client.get("/v1/follow-up/agenda", headers=officer.headers)).json()
    assert first not in [c["id"] for c in agenda["overdue"] + agenda["due"]]  # no longer the officer's
    back = await client.post(path, json={"officer_id": str(admin.id)}, headers=officer.headers)
    assert back.status_code == 200 and back.json()["officer_id"] == str(admin.id)
    admin_agenda = (await client.get("/v1/follow-up/agenda", headers=admin.headers)).json()
    assert [c["id"] for c in admin_agenda["overdue"]] == [first]
    both = await client.post(path, json={"officer_id": str(admin.id), "mentor_name": "x"}, headers=officer.headers)
    neither = await client.post(path, json={}, headers=officer.headers)
    nobody = await client.post(path, json={"officer_id": str(uuid.uuid4())}, headers=officer.headers)
    assert both.status_code == neither.status_code == nobody.status_code == 422
    await client.post(f"/v1/follow-up-contacts/{second}/outcome", json=outcome(TODAY), headers=officer.headers)
    done = await client.post(
        f"/v1/follow-up-contacts/{second}/assignment", json={"mentor_name": "late"}, headers=officer.headers
    )
    assert done.status_code == 409
