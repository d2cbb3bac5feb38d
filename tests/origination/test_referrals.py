"""Partners refer people by API and follow what became of them; officers find and follow applicants."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing, sign_in_partner

REFERRAL: dict[str, Any] = {
    "person": {"full_name": "Amina Diallo", "email": "Amina.Diallo@Example.org", "phone": "06 12 34 56 78"},
    "situation": "job_seeker",
    "project_idea": "Traiteur africain à domicile",
    "partner_contact": {"name": "Conseillère FT", "email": "conseil@francetravail.example"},
    "consent": {"given": True, "given_on": "2026-11-02"},
}


async def refer(client: AsyncTestClient[Litestar], partner: Caller, body: dict[str, Any], key: str) -> Any:
    return await client.post("/v1/referrals", json=body, headers={**partner.headers, "Idempotency-Key": key})


async def referred_applicant(client: AsyncTestClient[Litestar], staff: Caller, referral_id: str) -> str:
    """The applicant a referral led to, as staff see it (partners are not told)."""
    read = await client.get(f"/v1/referrals/{referral_id}", headers=staff.headers)
    assert read.status_code == 200, read.text
    return str(read.json()["applicant_id"])


async def test_a_referral_creates_an_applicant_the_partner_can_follow(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    response = await refer(client, partner, REFERRAL, "ref-1")
    assert response.status_code == 201, response.text
    referral = response.json()
    assert referral["stage"] == "referred"
    applicant_id = await referred_applicant(client, officer, referral["id"])
    applicant = (await client.get(f"/v1/applicants/{applicant_id}", headers=officer.headers)).json()
    assert applicant["email"] == "amina.diallo@example.org" and applicant["phone"] == "+33612345678"
    assert applicant["partner_id"] == str(partner.id)
    await client.patch(
        f"/v1/applicants/{applicant['id']}", json={"version": 1, "stage": "contacted"}, headers=officer.headers
    )
    listed = (await client.get("/v1/referrals", headers=partner.headers)).json()
    assert [(r["id"], r["stage"]) for r in listed["items"]] == [(referral["id"], "contacted")]


async def test_the_referral_echoes_the_partners_own_reference_when_made_replayed_and_read(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    body = {**REFERRAL, "partner_reference": "  FT-2026-117 "}
    made = await refer(client, partner, body, "ref-echo")
    assert made.status_code == 201 and made.json()["partner_reference"] == "FT-2026-117", made.text
    replayed = await refer(client, partner, body, "ref-echo")
    assert replayed.json()["partner_reference"] == "FT-2026-117"
    for caller in (partner, officer):
        read = await client.get(f"/v1/referrals/{made.json()['id']}", headers=caller.headers)
        assert read.json()["partner_reference"] == "FT-2026-117"
    without = await refer(client, partner, {**REFERRAL, "person": {"full_name": "B", "email": "b@example.org"}}, "n")
    assert "partner_reference" not in without.json()  # omitted when the partner sent none


async def test_the_same_person_twice_links_instead_of_creating_a_twin(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    first_partner = await sign_in_partner(client, uow_factory, "ft")
    second_partner = await sign_in_partner(client, uow_factory, "mission-locale")
    first = (await refer(client, first_partner, REFERRAL, "a")).json()
    same_phone = {**REFERRAL, "person": {"full_name": "A. Diallo", "phone": "+33 6 12 34 56 78"}}
    second = (await refer(client, second_partner, same_phone, "b")).json()
    assert second["id"] != first["id"]
    applicant_id = await referred_applicant(client, officer, first["id"])
    assert await referred_applicant(client, officer, second["id"]) == applicant_id
    # Staff read both referrals on the person's file: who referred them, and the consent each stated.
    both = await client.get(f"/v1/applicants/{applicant_id}/referrals", headers=officer.headers)
    assert both.status_code == 200, both.text
    assert [(r["id"], r["partner_id"]) for r in both.json()] == [
        (first["id"], str(first_partner.id)),
        (second["id"], str(second_partner.id)),
    ]
    assert both.json()[0]["consent_given_on"] == REFERRAL["consent"]["given_on"]
    assert both.json()[0]["project_idea"] == REFERRAL["project_idea"]
    unknown = await client.get(f"/v1/applicants/{first_partner.id}/referrals", headers=officer.headers)
    assert unknown.status_code == 404


async def test_a_partner_sees_nothing_of_what_happened_before_its_referral(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    first_partner = await sign_in_partner(client, uow_factory, "ft")
    prober = await sign_in_partner(client, uow_factory, "prober")
    first = (await refer(client, first_partner, REFERRAL, "a")).json()
    first_applicant = await referred_applicant(client, officer, first["id"])
    applicant = (await client.get(f"/v1/applicants/{first_applicant}", headers=officer.headers)).json()
    await client.patch(
        f"/v1/applicants/{applicant['id']}",
        json={"version": applicant["version"], "stage": "declined"},
        headers=officer.headers,
    )
    probe = (await refer(client, prober, REFERRAL, "probe")).json()
    assert probe["stage"] == "referred" and "linked_to_existing" not in probe
    assert (await client.get(f"/v1/referrals/{probe['id']}", headers=prober.headers)).json()["stage"] == "referred"
    assert (await client.get("/v1/referrals", headers=prober.headers)).json()["items"][0]["stage"] == "referred"
    assert (await client.get(f"/v1/referrals/{first['id']}", headers=first_partner.headers)).json()["stage"] == (
        "declined"
    )


async def test_two_referrals_of_one_person_at_once_make_one_applicant(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, racing: Racing, officer: Caller
) -> None:
    first_partner = await sign_in_partner(client, uow_factory, "ft")
    second_partner = await sign_in_partner(client, uow_factory, "ml")
    async with racing() as http:
        answers = await asyncio.gather(
            refer(http, first_partner, REFERRAL, "x"), refer(http, second_partner, REFERRAL, "y")
        )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    linked = {await referred_applicant(client, officer, a.json()["id"]) for a in answers}
    assert len(linked) == 1


async def test_same_key_replays_other_body_is_422(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    first = await refer(client, partner, REFERRAL, "same-key")
    again = await refer(client, partner, REFERRAL, "same-key")
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = await refer(client, partner, {**REFERRAL, "project_idea": "Autre chose"}, "same-key")
    assert other.status_code == 422 and other.json()["code"] == "idempotency.key_reused"
    listed = (await client.get("/v1/referrals", headers=partner.headers)).json()
    assert len(listed["items"]) == 1


async def test_a_double_click_creates_one_referral(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, racing: Racing
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    async with racing() as http:
        answers = await asyncio.gather(*(refer(http, partner, REFERRAL, "double") for _ in range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    listed = (await client.get("/v1/referrals", headers=partner.headers)).json()
    assert len(listed["items"]) == 1


async def test_a_partner_sees_only_its_own_referrals(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    mine = await sign_in_partner(client, uow_factory, "mine")
    theirs = await sign_in_partner(client, uow_factory, "theirs")
    referral = (await refer(client, mine, REFERRAL, "k")).json()
    assert (await client.get(f"/v1/referrals/{referral['id']}", headers=mine.headers)).status_code == 200
    assert (await client.get(f"/v1/referrals/{referral['id']}", headers=theirs.headers)).status_code == 404
    assert (await client.get("/v1/referrals", headers=theirs.headers)).json()["items"] == []


async def test_bad_referrals_name_the_field(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    cases = [
        ({**REFERRAL, "consent": {"given": False, "given_on": "2026-11-02"}}, 422, "consent.given"),
        ({**REFERRAL, "person": {"full_name": "X"}}, 422, "person.email"),
        ({**REFERRAL, "person": {"full_name": "X", "email": "not-an-address"}}, 422, "person.email"),
        ({**REFERRAL, "person": {"full_name": "X", "phone": "123456"}}, 422, "person.phone"),
        ({**REFERRAL, "partner_contact": {"name": "X", "email": "not-an-address"}}, 422, "partner_contact.email"),
        ({**REFERRAL, "person": {"full_name": "X", "phone": "12"}}, 400, "person.phone"),
        ({**REFERRAL, "situation": "retired"}, 400, "situation"),
        ({**REFERRAL, "consent": {"given": True, "given_on": "0001-01-01"}}, 422, "consent.given_on"),
    ]
    for index, (body, status, field) in enumerate(cases):
        response = await refer(client, partner, body, f"bad-{index}")
        assert response.status_code == status, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    missing_key = await client.post("/v1/referrals", json=REFERRAL, headers=partner.headers)
    assert missing_key.status_code == 400


async def test_officers_search_applicants(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    amina = await referred_applicant(client, officer, (await refer(client, partner, REFERRAL, "1")).json()["id"])
    walk_in = await client.post(
        "/v1/applicants",
        headers=officer.headers,
        json={
            "full_name": "Hélène Durand",
            "email": "helene@example.org",
            "situation": "minimum_income_beneficiary",
            "officer_id": str(officer.id),
        },
    )
    assert walk_in.status_code == 201, walk_in.text
    helene = walk_in.json()["id"]
    project = await client.put(
        f"/v1/applicants/{helene}/project",
        headers=officer.headers,
        json={
            "activity": "Atelier de couture",
            "legal_status": "micro-entreprise",
            "siret": "732 829 320 00074",
            "needs": [{"label": "machines", "amount": "6000.00"}],
            "resources": [{"label": "prêt d'honneur", "amount": "2000.00", "kind": "honour_loan"}],
        },
    )
    assert project.status_code == 200, project.text
    assert project.json()["total_needs"] == "6000.00"
    # A plan with nothing in it yet totals zero written to the currency's minor unit, as amounts are.
    bare = await client.put(
        f"/v1/applicants/{amina}/project",
        headers=officer.headers,
        json={"activity": "Traiteur", "legal_status": "micro-entreprise"},
    )
    assert bare.status_code == 200, bare.text
    assert (bare.json()["total_needs"], bare.json()["total_resources"]) == ("0.00", "0.00")

    async def ids(**query: str) -> list[str]:
        page = await client.get("/v1/applicants", params=query, headers=officer.headers)
        assert page.status_code == 200, page.text
        return [a["id"] for a in page.json()["items"]]

    assert await ids(name="helene") == [helene]
    assert await ids(name="Durand  HÉLÈNE") == [helene]  # any word order, accents and case ignored
    assert await ids(name="durand amina") == []  # every word must match
    assert await ids(name="DIALLO") == [amina]
    # LIKE wildcards are letters like any other: nobody's name holds them.
    assert await ids(name="%") == [] and await ids(name="_") == [] and await ids(name="h_lene") == []
    assert await ids(phone="06.12.34.56.78") == [amina]
    assert await ids(email="HELENE@example.org") == [helene]
    assert await ids(siret="73282932000074") == [helene]
    assert await ids(siret=" 732 829 320 00074") == [helene]  # spaces as written on a Kbis
    assert await ids(partner_id=str(partner.id)) == [amina]
    # Hélène was registered for the officer; Amina's file became theirs when they saved its project.
    assert sorted(await ids(officer_id=str(officer.id))) == sorted([helene, amina])
    assert await ids(stage="referred") == [amina]
    first_page = (await client.get("/v1/applicants", params={"limit": "1"}, headers=officer.headers)).json()
    second_page = (
        await client.get(
            "/v1/applicants", params={"limit": "1", "cursor": first_page["next_cursor"]}, headers=officer.headers
        )
    ).json()
    assert {first_page["items"][0]["id"], second_page["items"][0]["id"]} == {amina, helene}
    duplicate = await client.post(
        "/v1/applicants",
        headers=officer.headers,
        json={"full_name": "H D", "email": "Helene@example.org", "situation": "other"},
    )
    assert duplicate.status_code == 409 and helene in duplicate.json()["detail"]


async def test_project_versions_and_siret_check(client: AsyncTestClient[Litestar], officer: Caller) -> None:
    applicant = (
        await client.post(
            "/v1/applicants",
            headers=officer.headers,
            json={"full_name": "Paul", "phone": "0700000000", "situation": "other"},
        )
    ).json()
    url = f"/v1/applicants/{applicant['id']}/project"
    body = {"activity": "Food truck", "legal_status": "EI"}
    bad_siret = await client.put(url, headers=officer.headers, json={**body, "siret": "73282932000075"})
    assert bad_siret.status_code == 422 and bad_siret.json()["errors"][0]["field"] == "siret"
    assert (await client.put(url, headers=officer.headers, json=body)).json()["version"] == 1
    assert (await client.put(url, headers=officer.headers, json=body)).status_code == 409
    for field, change in (
        ("start_date", {"start_date": "9999-12-31"}),
        ("start_date", {"start_date": "0001-01-01"}),
        (
            "documents[1].received_on",
            {
                "documents": [
                    {"kind": "identity_document", "filename": "cni.pdf", "received_on": "2026-11-02"},
                    {"kind": "other", "filename": "x.pdf", "received_on": "9999-12-31"},
                ]
            },
        ),
    ):  # a date no loan can be built on is refused when the project is saved, not at the payout
        out_of_range = await client.put(url, headers=officer.headers, json={**body, "version": 1, **change})
        assert out_of_range.status_code == 422, out_of_range.text
        assert out_of_range.json()["errors"][0]["field"] == field
    updated = await client.put(url, headers=officer.headers, json={**body, "version": 1, "activity": "Food truck bio"})
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = await client.put(url, headers=officer.headers, json={**body, "version": 1})
    assert stale.status_code == 409


async def test_project_documents_are_stored_and_returned_with_their_kinds(
    client: AsyncTestClient[Litestar], officer: Caller
) -> None:
    applicant = (
        await client.post(
            "/v1/applicants",
            headers=officer.headers,
            json={"full_name": "Nadia", "phone": "0700000001", "situation": "job_seeker"},
        )
    ).json()
    url = f"/v1/applicants/{applicant['id']}/project"
    documents = [
        {"kind": "identity_document", "filename": "cni.pdf", "received_on": "2026-11-02"},
        {"kind": "supplier_quote", "filename": "devis-four.pdf", "received_on": "2026-11-03"},
        {"kind": "other", "filename": "attestation-formation.pdf", "received_on": "2026-11-04"},
    ]
    body = {"activity": "Boulangerie", "legal_status": "EI", "documents": documents}
    saved = await client.put(url, headers=officer.headers, json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["documents"] == documents
    assert (await client.get(url, headers=officer.headers)).json()["documents"] == documents
    unknown = await client.put(
        url,
        headers=officer.headers,
        json={**body, "version": 1, "documents": [{**documents[0], "kind": "passport"}]},
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "documents[0].kind"
    assert (await client.get(url, headers=officer.headers)).json()["version"] == 1


async def test_a_partner_learns_nothing_of_what_the_lender_or_another_partner_knew(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    first_partner = await sign_in_partner(client, uow_factory, "ft")
    second_partner = await sign_in_partner(client, uow_factory, "mission-locale")
    late_partner = await sign_in_partner(client, uow_factory, "incubateur")
    # A person the lender already knows (a walk-in, months of history), and a fresh one referred twice.
    known = await client.post(
        "/v1/applicants",
        headers=officer.headers,
        json={"full_name": "Karim B.", "email": "karim@example.org", "situation": "employee"},
    )
    assert known.status_code == 201, known.text
    await client.patch(
        f"/v1/applicants/{known.json()['id']}", json={"version": 1, "stage": "declined"}, headers=officer.headers
    )
    fresh = await refer(client, first_partner, REFERRAL, "a")
    twice = await refer(client, second_partner, {**REFERRAL, "situation": "other"}, "b")
    karim = {**REFERRAL, "person": {"full_name": "Karim", "email": "KARIM@example.org"}}
    known_referral = await refer(client, late_partner, karim, "c")
    answers = [fresh, twice, known_referral]
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    shapes = {tuple(sorted(a.json())) for a in answers}
    assert shapes == {("created_at", "id", "situation", "stage")}, shapes
    assert len({a.json()["id"] for a in answers}) == 3
    for partner, answer in zip((first_partner, second_partner, late_partner), answers, strict=True):
        sent = answer.json()
        assert sent["stage"] == "referred"
        read = await client.get(f"/v1/referrals/{sent['id']}", headers=partner.headers)
        assert read.json() == sent, (read.json(), sent)
        listed = (await client.get("/v1/referrals", headers=partner.headers)).json()["items"]
        assert [{k: r[k] for k in ("id", "stage", "created_at")} for r in listed] == [
            {k: sent[k] for k in ("id", "stage", "created_at")}
        ]
        if answer is known_referral:  # the stage change before its referral is not this partner's news
            assert listed[0]["updated_at"] == sent["created_at"]
    # The second partner's referral carries its own statement of the situation, not the first's.
    assert twice.json()["situation"] == "other" and fresh.json()["situation"] == "job_seeker"
    # Staff still follow a referral to the shared record.
    staff_view = (await client.get(f"/v1/referrals/{known_referral.json()['id']}", headers=officer.headers)).json()
    assert staff_view["applicant_id"] == known.json()["id"] and staff_view["stage"] == "declined"


async def test_an_officer_cannot_set_a_financed_person_back_by_hand(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    from tests.loans import make_loan

    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id)
    url = f"/v1/applicants/{loan.applicant_id}"
    for stage in ("contacted", "declined", "withdrawn"):
        read = (await client.get(url, headers=officer.headers)).json()
        response = await client.patch(url, headers=officer.headers, json={"version": read["version"], "stage": stage})
        assert response.status_code == 422, (stage, response.text)
        assert response.json()["errors"][0]["field"] == "stage"
    assert (await client.get(url, headers=officer.headers)).json()["stage"] == "financed"


async def test_an_officer_records_the_postal_address_printed_on_the_contract(
    client: AsyncTestClient[Litestar], officer: Caller
) -> None:
    created = await client.post(
        "/v1/applicants",
        json={"full_name": "Léa Martin", "email": "lea@example.org", "situation": "job_seeker"},
        headers=officer.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["postal_address"] is None
    changed = await client.patch(
        f"/v1/applicants/{created.json()['id']}",
        json={"version": 1, "postal_address": "  5 rue Haute, 13001 Marseille "},
        headers=officer.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["postal_address"] == "5 rue Haute, 13001 Marseille"
    blank = await client.patch(
        f"/v1/applicants/{created.json()['id']}",
        json={"version": changed.json()["version"], "postal_address": "   "},
        headers=officer.headers,
    )
    assert blank.status_code == 400


async def test_a_polling_partner_gets_only_the_referrals_changed_since(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, officer: Caller
) -> None:
    partner = await sign_in_partner(client, uow_factory, "ft")
    first = (await refer(client, partner, REFERRAL, "poll-1")).json()
    other = {**REFERRAL, "person": {"full_name": "Camille Martin", "email": "camille.martin@example.org"}}
    await refer(client, partner, other, "poll-2")
    listed = (await client.get("/v1/referrals", headers=partner.headers)).json()["items"]
    assert len(listed) == 2
    seen = max(datetime.fromisoformat(r["updated_at"]) for r in listed) + timedelta(microseconds=1)

    applicant_id = await referred_applicant(client, officer, first["id"])
    moved = await client.patch(
        f"/v1/applicants/{applicant_id}", json={"version": 1, "stage": "contacted"}, headers=officer.headers
    )
    assert moved.status_code == 200, moved.text

    changed = await client.get("/v1/referrals", params={"updated_since": seen.isoformat()}, headers=partner.headers)
    assert [(r["id"], r["stage"]) for r in changed.json()["items"]] == [(first["id"], "contacted")]
    assert datetime.fromisoformat(changed.json()["items"][0]["updated_at"]) >= seen
    later = (seen + timedelta(days=1)).isoformat()
    assert (await client.get("/v1/referrals", params={"updated_since": later}, headers=partner.headers)).json() == {
        "items": [],
        "next_cursor": None,
    }
