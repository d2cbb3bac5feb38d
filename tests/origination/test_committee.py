"""The credit committee: one vote per member per round, an independent decider, quorum and majority,
conditions met before the money goes out; tranches and the offer's value date."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.errors import RuleViolation
from domain.identity.model import Principal, PrincipalKind, Role
from domain.origination.applications import Status
from service.kernel.idempotency import IdempotencyKey
from service.origination.handlers.applications import disburse, issue_offer
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today
from tests.origination.test_scenario import open_application, staff, step
from tests.products.test_http import create as create_product

TODAY = lender_today()


async def at_committee(
    client: AsyncTestClient[Litestar],
    admin: Caller,
    preparer: Caller,
    reviewer: Caller | None = None,
    **product_terms: Any,
) -> tuple[str, dict[str, Any]]:
    """A file prepared by ``preparer`` (reviewed by ``reviewer`` when given), now before the committee."""
    product = await create_product(
        client, admin, requires_training=False, guarantor_coverage_percent="0", **product_terms
    )
    ines = {"full_name": "Inès", "email": "ines@example.org", "situation": "job_seeker"}
    url, app, _ = await open_application(client, preparer, product["id"], ines, amount="4000.00", installments=12)
    for path, who in (("submission", preparer), ("review", reviewer or preparer), ("committee-referral", preparer)):
        app = await step(await client.post(f"{url}/{path}", headers=who.headers, json={"version": app["version"]}))
    return url, app


async def vote(client: AsyncTestClient[Litestar], url: str, member: Caller, value: str) -> Any:
    return await client.post(f"{url}/votes", headers=member.headers, json={"vote": value, "comment": "avis"})


async def decide(
    client: AsyncTestClient[Litestar], url: str, member: Caller, version: int, value: str, **extra: Any
) -> Any:
    body = {"version": version, "decision": value, "comment": "décision", **extra}
    if value == "reject":
        body.setdefault("reasons", ["projet fragile"])
    return await client.post(f"{url}/decision", headers=member.headers, json=body)


async def test_a_member_who_changes_their_vote_counts_once_and_cannot_decide_alone(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    officer = await staff(client, admin, "officer-a", "loan_officer")
    member = await staff(client, admin, "member-a", "committee_member")
    url, app = await at_committee(client, admin, officer)
    await step(await vote(client, url, member, "approve"), 201)
    await step(await vote(client, url, member, "reject"), 201)
    alone = await decide(client, url, member, app["version"], "reject")
    assert alone.status_code == 422 and alone.json()["code"] == "committee.quorum_not_reached"
    votes = await step(await client.get(f"{url}/votes", headers=member.headers))
    assert [(v["vote"], v["current"], v["round"]) for v in votes] == [("approve", False, 1), ("reject", True, 1)]
    assert (await step(await client.get(url, headers=member.headers)))["status"] == "at_committee"


async def test_votes_and_history_name_who_voted_and_who_decided(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    officer = await staff(client, admin, "officer-n", "loan_officer")
    members = [await staff(client, admin, f"member-n{n}", "committee_member") for n in (1, 2)]
    url, app = await at_committee(client, admin, officer)
    cast = await step(await vote(client, url, members[0], "approve"), 201)
    assert cast["member_name"] == "Test member-n1"
    await step(await vote(client, url, members[1], "approve"), 201)
    await step(await decide(client, url, members[1], app["version"], "approve"))
    votes = await step(await client.get(f"{url}/votes", headers=officer.headers))
    assert [(v["member_name"], v["vote"]) for v in votes] == [
        ("Test member-n1", "approve"),
        ("Test member-n2", "approve"),
    ]
    (decision,) = await step(await client.get(f"{url}/decisions", headers=officer.headers))  # any staff member
    assert (decision["action"], decision["actor_name"], decision["reason"]) == ("approve", "Test member-n2", "décision")
    history = await step(await client.get(f"{url}/history", headers=admin.headers))
    assert [(h["action"], h["actor_name"]) for h in history][-4:] == [
        ("submit", "Test officer-n"),
        ("start_review", "Test officer-n"),
        ("send_to_committee", "Test officer-n"),
        ("approve", "Test member-n2"),
    ]


async def test_whoever_prepared_reviewed_or_referred_the_file_neither_votes_nor_decides(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    both = await staff(client, admin, "officer-and-member", "loan_officer", "committee_member")
    reviewer = await staff(client, admin, "reviewer-and-member", "loan_officer", "committee_member")
    url, app = await at_committee(client, admin, both, reviewer)
    for person in (both, reviewer):
        for value in ("approve", "reject"):
            refused = await vote(client, url, person, value)
            assert refused.status_code == 422 and refused.json()["code"] == "committee.decider_conflict"
        refused = await decide(client, url, person, app["version"], "approve")
        assert refused.status_code == 422 and refused.json()["code"] == "committee.decider_conflict"
    assert await step(await client.get(f"{url}/votes", headers=both.headers)) == []


async def test_a_decision_follows_the_majority_or_states_why_not(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    officer = await staff(client, admin, "officer-b", "loan_officer")
    first = await staff(client, admin, "member-b1", "committee_member")
    second = await staff(client, admin, "member-b2", "committee_member")
    url, app = await at_committee(client, admin, officer)
    await step(await vote(client, url, first, "reject"), 201)
    await step(await vote(client, url, second, "approve"), 201)
    split = await decide(client, url, first, app["version"], "reject")  # one of two is no majority
    assert split.status_code == 422 and split.json()["code"] == "committee.decision_against_votes"
    await step(await vote(client, url, second, "reject"), 201)  # the member changes their mind
    approved = await decide(client, url, first, app["version"], "approve")
    assert approved.status_code == 422 and approved.json()["code"] == "committee.decision_against_votes"
    approved = await step(
        await decide(
            client, url, first, app["version"], "approve", against_votes_reason="garantie nouvelle apportée en séance"
        )
    )
    assert approved["status"] == "approved"
    history = await step(await client.get(f"{url}/history", headers=admin.headers))
    assert history[-1]["details"]["votes"] == {"approve": 0, "reject": 2, "request_changes": 0}
    assert history[-1]["details"]["against_votes_reason"] == "garantie nouvelle apportée en séance"


async def test_a_new_round_starts_when_the_file_goes_back_to_review(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    officer = await staff(client, admin, "officer-c", "loan_officer")
    first = await staff(client, admin, "member-c1", "committee_member")
    second = await staff(client, admin, "member-c2", "committee_member")
    url, app = await at_committee(client, admin, officer)
    for member in (first, second):
        await step(await vote(client, url, member, "request_changes"), 201)
    app = await step(await decide(client, url, first, app["version"], "request_changes"))
    assert app["status"] == "under_review"
    app = await step(
        await client.post(f"{url}/committee-referral", headers=officer.headers, json={"version": app["version"]})
    )
    await step(await vote(client, url, first, "approve"), 201)
    assert app["committee_round"] == 2
    stale = await decide(client, url, first, app["version"], "approve")  # last round's votes do not count
    assert stale.status_code == 422 and stale.json()["code"] == "committee.quorum_not_reached"
    await step(await vote(client, url, second, "approve"), 201)
    assert (await step(await decide(client, url, second, app["version"], "approve")))["status"] == "approved"
    votes = await step(await client.get(f"{url}/votes", headers=officer.headers))
    assert [(v["round"], v["vote"], v["current"]) for v in votes] == [
        (1, "request_changes", False),
        (1, "request_changes", False),
        (2, "approve", True),
        (2, "approve", True),
    ]


async def test_a_product_version_sets_its_own_quorum_and_majority(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    officer = await staff(client, admin, "officer-g", "loan_officer")
    members = [await staff(client, admin, f"member-g{n}", "committee_member") for n in range(3)]
    url, app = await at_committee(client, admin, officer, committee_quorum=3, committee_majority_percent=66)
    product = await step(await client.get(f"/v1/loan-products/{app['product_id']}", headers=admin.headers))
    assert (product["terms"]["committee_quorum"], product["terms"]["committee_majority_percent"]) == (3, 66)
    for member in members[:2]:
        await step(await vote(client, url, member, "approve"), 201)
    short = await decide(client, url, members[0], app["version"], "approve")  # two votes, the product wants three
    assert short.status_code == 422 and short.json()["code"] == "committee.quorum_not_reached"
    await step(await vote(client, url, members[2], "reject"), 201)
    assert (await step(await decide(client, url, members[0], app["version"], "approve")))["status"] == "approved"


async def approved_with(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, conditions: list[str]
) -> tuple[str, dict[str, Any]]:
    first = await staff(client, admin, f"{officer.name}-m1", "committee_member")
    second = await staff(client, admin, f"{officer.name}-m2", "committee_member")
    url, app = await at_committee(client, admin, officer)
    for member in (first, second):
        await step(await vote(client, url, member, "approve"), 201)
    return url, await step(await decide(client, url, first, app["version"], "approve", conditions=conditions))


async def offer_and_sign(
    client: AsyncTestClient[Litestar], url: str, officer: Caller, version: int, disbursement_date: str
) -> dict[str, Any]:
    app = await step(
        await client.post(
            f"{url}/offer", headers=officer.headers, json={"version": version, "disbursement_date": disbursement_date}
        )
    )
    return await step(
        await client.post(
            f"{url}/signature",
            headers=officer.headers,
            json={"version": app["version"], "signed_on": TODAY.isoformat()},
        )
    )


def disbursement(amount: str, value_date: str = TODAY.isoformat()) -> dict[str, Any]:
    return {"amount": {"amount": amount, "currency": "EUR"}, "value_date": value_date}


async def test_no_money_goes_out_while_a_condition_is_open(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    officer = await staff(client, admin, "officer-d", "loan_officer")
    url, app = await approved_with(client, admin, officer, ["compte professionnel ouvert", "devis signé"])
    assert [(c["number"], c["met"]) for c in app["conditions"]] == [(1, False), (2, False)]
    app = await offer_and_sign(client, url, officer, app["version"], TODAY.isoformat())
    headers = {**officer.headers, "Idempotency-Key": "d1"}
    refused = await client.post(f"{url}/disbursements", headers=headers, json=disbursement("4000.00"))
    assert refused.status_code == 422 and refused.json()["code"] == "application.conditions_open"
    assert "devis signé" in refused.json()["detail"]
    app = await step(
        await client.post(
            f"{url}/conditions/1/fulfilment",
            headers=officer.headers,
            json={"version": app["version"], "evidence": "RIB du compte pro reçu le 28/11"},
        )
    )
    met = app["conditions"][0]
    assert met["met"] and met["met_by"] == str(officer.id) and met["evidence"] == "RIB du compte pro reçu le 28/11"
    assert met["met_at"] is not None
    again = await client.post(
        f"{url}/conditions/1/fulfilment", headers=officer.headers, json={"version": app["version"], "evidence": "x"}
    )
    assert again.status_code == 409 and again.json()["code"] == "condition.already_met"
    missing = await client.post(
        f"{url}/conditions/3/fulfilment", headers=officer.headers, json={"version": app["version"], "evidence": "x"}
    )
    assert missing.status_code == 404
    still = await client.post(f"{url}/disbursements", headers=headers, json=disbursement("4000.00"))
    assert still.status_code == 422 and still.json()["code"] == "application.conditions_open"
    app = await step(
        await client.post(
            f"{url}/conditions/2/fulfilment",
            headers=officer.headers,
            json={"version": app["version"], "evidence": "devis du fournisseur"},
        )
    )
    await step(await client.post(f"{url}/disbursements", headers=headers, json=disbursement("4000.00")), 201)
    history = await step(await client.get(f"{url}/history", headers=admin.headers))
    assert [h["action"] for h in history].count("meet_condition") == 2


async def test_the_money_goes_out_on_the_offers_date_only(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    """The offer's schedule and TAEG are computed from its planned disbursement date."""
    officer = await staff(client, admin, "officer-e", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    planned = TODAY + timedelta(days=3)
    app = await offer_and_sign(client, url, officer, app["version"], planned.isoformat())
    early = await client.post(
        f"{url}/disbursements", headers={**officer.headers, "Idempotency-Key": "e1"}, json=disbursement("4000.00")
    )
    assert early.status_code == 422 and early.json()["code"] == "disbursement.value_date_not_offer"
    assert early.json()["errors"][0]["field"] == "value_date"
    read = await step(await client.get(url, headers=officer.headers))
    assert read["status"] == "contract_signed" and read["disbursed_amount"] == "0.00"


async def test_partly_disbursed_until_the_last_tranche(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    officer = await staff(client, admin, "officer-f", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    await offer_and_sign(client, url, officer, app["version"], TODAY.isoformat())
    first = await step(
        await client.post(
            f"{url}/disbursements", headers={**officer.headers, "Idempotency-Key": "f1"}, json=disbursement("1500.00")
        ),
        201,
    )
    assert first["application_status"] == "partly_disbursed"
    read = await step(await client.get(url, headers=officer.headers))
    assert read["status"] == "partly_disbursed"
    listed = await step(await client.get("/v1/applications?status=partly_disbursed", headers=officer.headers))
    assert [a["id"] for a in listed["items"]] == [read["id"]]
    withdrawal = await client.post(f"{url}/withdrawal", headers=officer.headers, json={"version": read["version"]})
    assert withdrawal.status_code == 409  # money went out: no withdrawal
    over = await client.post(
        f"{url}/disbursements", headers={**officer.headers, "Idempotency-Key": "f2"}, json=disbursement("2500.01")
    )
    assert over.status_code == 422 and over.json()["code"] == "disbursement.invalid_amount"
    last = await step(
        await client.post(
            f"{url}/disbursements", headers={**officer.headers, "Idempotency-Key": "f3"}, json=disbursement("2500.00")
        ),
        201,
    )
    assert last["application_status"] == "disbursed" and last["tranche"] == 2
    more = await client.post(
        f"{url}/disbursements", headers={**officer.headers, "Idempotency-Key": "f4"}, json=disbursement("1.00")
    )
    assert more.status_code == 409


async def test_a_signed_offer_whose_date_passed_is_replaced_by_a_new_offer(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """The money could not go out on the planned date: a new offer, priced from the new date, is signed again."""
    officer = await staff(client, admin, "officer-h", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    signed = await offer_and_sign(client, url, officer, app["version"], TODAY.isoformat())
    too_soon = await client.post(
        f"{url}/offer",
        headers=officer.headers,
        json={"version": signed["version"], "disbursement_date": TODAY.isoformat()},
    )
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "offer.signed_date_not_passed"
    later, moved = datetime.now(UTC) + timedelta(days=3), TODAY + timedelta(days=4)
    renewed = await issue_offer(
        uuid.UUID(signed["id"]),
        expected_version=signed["version"],
        disbursement_date=moved,
        first_due_date=None,
        validity_days=30,
        actor=Principal(PrincipalKind.STAFF, officer.id, frozenset({Role.LOAN_OFFICER})),
        uow=uow_factory(),
        now=later,
        today=TODAY + timedelta(days=3),
    )
    assert renewed.status is Status.OFFER_ISSUED and renewed.signed_on is None
    assert renewed.offer is not None and renewed.offer.disbursement_date == moved
    assert renewed.offer.first_due_date > date.fromisoformat(signed["offer"]["first_due_date"])


async def test_a_later_tranche_cannot_go_out_before_the_previous_one(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await staff(client, admin, "officer-i", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    signed = await offer_and_sign(client, url, officer, app["version"], TODAY.isoformat())
    actor = Principal(PrincipalKind.STAFF, officer.id, frozenset({Role.LOAN_OFFICER}))
    later = datetime.now(UTC) + timedelta(days=10)

    async def pay(key: str, amount: str, value_date: date, today: date = TODAY + timedelta(days=10)) -> Any:
        return await disburse(
            uuid.UUID(signed["id"]),
            amount=Decimal(amount),
            currency="EUR",
            value_date=value_date,
            actor=actor,
            idempotency=IdempotencyKey(f"staff:{officer.id}", key, key),
            uow=uow_factory(),
            now=later,
            today=today,
        )

    await pay("i1", "1000.00", TODAY, today=TODAY)  # the first on the offer's date, the day it is
    await pay("i2", "1000.00", TODAY + timedelta(days=5))
    with pytest.raises(RuleViolation) as refused:
        await pay("i3", "1000.00", TODAY + timedelta(days=3))
    assert refused.value.code == "disbursement.invalid_value_date" and refused.value.field == "value_date"


async def test_an_offer_reads_the_legal_ceilings_once(
    client: AsyncTestClient[Litestar], admin: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-term check and the eligibility checks judge the offer on the same ceilings."""
    from service.products.repositories import SqlLegalData

    officer = await staff(client, admin, "officer-ceilings", "loan_officer")
    url, app = await approved_with(client, admin, officer, [])
    reads: list[int] = []
    real = SqlLegalData.ceilings

    async def counted(self: SqlLegalData) -> Any:
        reads.append(1)
        return await real(self)

    monkeypatch.setattr(SqlLegalData, "ceilings", counted)
    offer = {"version": app["version"], "disbursement_date": TODAY.isoformat()}
    await step(await client.post(f"{url}/offer", headers=officer.headers, json=offer))
    assert len(reads) == 1
