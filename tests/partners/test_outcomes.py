"""A partner reads what became of the people it referred, and nothing more (issue 14, item 1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.partners.model import EventType
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_partner
from tests.origination.test_scenario import step
from tests.partners.journey import MILESTONES_OF_A_FULL_PATH, Journey, a_year_ago, full_path, referral_body


async def outcome(client: AsyncTestClient[Litestar], partner: Caller, referral_id: str) -> dict:  # type: ignore[type-arg]
    return await step(await client.get(f"/v1/partner/referrals/{referral_id}", headers=partner.headers))


async def test_a_partner_reads_the_milestones_of_its_referral_with_their_dates_and_nothing_private(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, admin: Caller, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "mission-locale")
    journey = Journey(client, admin, officer)
    await full_path(journey, partner, referral_body(email="awa@example.org", reference="ML-2026-0042"))

    read = await outcome(client, partner, journey.referral_id)
    assert read["partner_reference"] == "ML-2026-0042" and read["consent_withdrawn"] is False
    assert [m["type"] for m in read["milestones"]] == MILESTONES_OF_A_FULL_PATH
    today = lender_today().isoformat()
    dates = {m["type"]: m["occurred_on"] for m in read["milestones"]}
    assert dates["referral.loan_disbursed"] == today and dates["referral.business_checkpoint"] == today
    assert dates["referral.training_started"] == (lender_today() - timedelta(days=20)).isoformat()
    checkpoint = read["milestones"][-1]["data"]
    assert checkpoint == {"months": 12, "business_status": "active"}
    # No amount without the person's consent; nothing of the committee, the revenue or the notes.
    assert read["milestones"][5]["data"] == {}
    text = str(read)
    for private in ("secret opinion", "committee's comment", "private notes", "under_10k", "6000"):
        assert private not in text

    other = await sign_in_partner(client, uow_factory, "other-agency")
    assert (await client.get(f"/v1/partner/referrals/{journey.referral_id}", headers=other.headers)).status_code == 404
    assert (await step(await client.get("/v1/partner/referrals", headers=other.headers)))["items"] == []


async def test_a_declined_person_shows_a_category_never_the_reasons(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, admin: Caller, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    journey = Journey(client, admin, officer)
    await journey.referred_by(partner, referral_body(email="declined@example.org"))
    await journey.at_committee(business_started=a_year_ago())
    await journey.decided("reject", reasons=["le marché local est saturé"], decline_category="project_viability")
    read = await outcome(client, partner, journey.referral_id)
    assert [(m["type"], m["data"]) for m in read["milestones"]] == [
        ("referral.application_submitted", {}),
        ("referral.declined", {"decline_category": "project_viability"}),
    ]
    assert "saturé" not in str(read)


async def two_partners_refer_one_person(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> tuple[Caller, Caller, Journey, Journey]:
    sharing = await sign_in_partner(client, uow_factory, "sharing")
    discreet = await sign_in_partner(client, uow_factory, "discreet")
    first, second = Journey(client, officer, officer), Journey(client, officer, officer)
    await first.referred_by(sharing, referral_body(email="both@example.org", reference="S-1", share_amount=True))
    await second.referred_by(discreet, referral_body(email="both@example.org", reference="D-1"), key="second")
    assert first.applicant_id == second.applicant_id  # one person, two referrals
    return sharing, discreet, first, second


async def test_the_amount_lent_is_shown_only_to_a_partner_the_person_allowed_to_see_it(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    sharing, discreet, first, second = await two_partners_refer_one_person(client, uow_factory, officer)
    async with uow_factory() as uow:
        lent = {"loan_amount": {"amount": "6000.00", "currency": "EUR"}}
        written = await uow.partner_events.record(
            uuid.UUID(first.applicant_id),
            EventType.LOAN_DISBURSED,
            on=lender_today(),
            at=datetime.now(UTC),
            details=lent,
        )
        await uow.commit()
    assert written == 2
    shown = (await outcome(client, sharing, first.referral_id))["milestones"][0]["data"]
    assert shown == {"loan_amount": {"amount": "6000.00", "currency": "EUR"}}
    assert (await outcome(client, discreet, second.referral_id))["milestones"][0]["data"] == {}


async def test_a_partner_filters_by_its_own_reference(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    for n in range(3):
        await Journey(client, officer, officer).referred_by(
            partner, referral_body(email=f"p{n}@example.org", reference=f"REF-{n}"), key=f"k{n}"
        )
    found = await step(
        await client.get("/v1/partner/referrals", params={"partner_reference": "REF-1"}, headers=partner.headers)
    )
    assert [o["partner_reference"] for o in found["items"]] == ["REF-1"]
    page = await step(await client.get("/v1/partner/referrals", params={"limit": 2}, headers=partner.headers))
    rest = await step(
        await client.get(
            "/v1/partner/referrals", params={"limit": 2, "cursor": page["next_cursor"]}, headers=partner.headers
        )
    )
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None


async def test_after_the_consent_is_withdrawn_nothing_more_is_shared(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    sharing, discreet, first, second = await two_partners_refer_one_person(client, uow_factory, officer)
    await first.contacted()
    withdrawn = await step(
        await client.post(f"/v1/partner/referrals/{second.referral_id}/consent-withdrawal", headers=officer.headers)
    )
    assert withdrawn["consent_withdrawn"] is True and withdrawn["milestones"] == []
    await first.trained()
    assert [m["type"] for m in (await outcome(client, sharing, first.referral_id))["milestones"]] == [
        "referral.contacted",
        "referral.training_started",
        "referral.training_completed",
    ]
    read = await outcome(client, discreet, second.referral_id)
    assert read["consent_withdrawn"] is True and read["milestones"] == []
    feed = await step(await client.get("/v1/partner/events", headers=discreet.headers))
    assert feed["items"] == []  # the event from before the withdrawal is no longer served either
    figures = await step(await client.get("/v1/partner/outcome-figures", headers=discreet.headers))
    assert figures == []


async def test_figures_count_referrals_reaching_each_milestone_by_month_of_referral(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, admin: Caller, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "agency")
    journey = Journey(client, admin, officer)
    await full_path(journey, partner, referral_body(email="full@example.org"))
    only_contacted = Journey(client, admin, officer)
    await only_contacted.referred_by(partner, referral_body(email="contacted@example.org"), key="other")
    await only_contacted.contacted()
    figures = await step(await client.get("/v1/partner/outcome-figures", headers=partner.headers))
    assert len(figures) == 1 and figures[0]["month"] == datetime.now(UTC).strftime("%Y-%m")
    reached = {c["milestone"]: c["referrals"] for c in figures[0]["reached"]}
    assert figures[0]["referrals"] == 2
    assert reached["contacted"] == 2 and reached["approved"] == 1 and reached["loan_disbursed"] == 1
    assert reached["business_active_12_months"] == 1 and reached["business_closed_12_months"] == 0
    assert reached["declined"] == 0
