"""Rectification: identity and contact data corrected with who, when and why; money untouched."""

from __future__ import annotations

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.origination.test_scenario import step
from tests.privacy.path import Client, whole_path


async def test_a_correction_is_recorded_with_who_when_and_why_and_rewrites_no_money(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)
    url = f"/v1/privacy/persons/{path.applicant_id}"
    loan_before = await step(await client.get(f"/v1/loans/{path.loan_id}", headers=officer.headers))
    done = await step(
        await client.post(
            f"{url}/rectifications",
            headers=officer.headers,
            json={"field": "email", "value": " F.Kouyate@Example.org ", "reason": "adresse mal saisie"},
        ),
        201,
    )
    assert (done["field"], done["reason"], done["recorded_by"]) == ("email", "adresse mal saisie", str(officer.id))
    await step(
        await client.post(
            f"{url}/rectifications",
            headers=officer.headers,
            json={"field": "full_name", "value": "Fatoumata  Kouyaté-Diarra", "reason": "nom d'épouse"},
        ),
        201,
    )
    applicant = await step(await client.get(f"/v1/applicants/{path.applicant_id}", headers=officer.headers))
    assert (applicant["email"], applicant["full_name"]) == ("f.kouyate@example.org", "Fatoumata Kouyaté-Diarra")
    found = await step(await client.get("/v1/applicants?name=kouyate-diarra", headers=officer.headers))
    assert [a["id"] for a in found["items"]] == [path.applicant_id]
    export = await step(await client.get(f"{url}/export", headers=admin.headers))
    assert export["records"]["borrowers"][0]["email"] == "f.kouyate@example.org"  # the sign-in address too
    assert [(r["field"], r["reason"]) for r in export["records"]["privacy_rectifications"]] == [
        ("email", "adresse mal saisie"),
        ("full_name", "nom d'épouse"),
    ]
    loan_after = await step(await client.get(f"/v1/loans/{path.loan_id}", headers=officer.headers))
    assert loan_after == loan_before

    bad = await client.post(
        f"{url}/rectifications", headers=officer.headers, json={"field": "phone", "value": "   ", "reason": "x"}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "value"
    long_name = await client.post(
        f"{url}/rectifications", headers=officer.headers, json={"field": "full_name", "value": "x" * 201, "reason": "x"}
    )
    assert long_name.status_code == 422 and long_name.json()["errors"][0]["field"] == "value"
    wrong = await client.post(
        f"{url}/rectifications", headers=officer.headers, json={"field": "phone", "value": "abcdefg", "reason": "x"}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "identity.invalid_phone"
    other = await step(
        await client.post(
            "/v1/applicants",
            headers=officer.headers,
            json={"full_name": "Autre", "email": "autre@example.org", "situation": "job_seeker"},
        ),
        201,
    )
    taken = await client.post(
        f"/v1/privacy/persons/{other['id']}/rectifications",
        headers=officer.headers,
        json={"field": "email", "value": "f.kouyate@example.org", "reason": "doublon"},
    )
    assert taken.status_code == 409 and taken.json()["code"] == "privacy.contact_taken"
    assert "déjà" in taken.json()["detail"]


async def test_an_officers_edit_of_identity_data_is_recorded_as_a_rectification_too(
    client: Client, admin: Caller, officer: Caller
) -> None:
    body = {
        "full_name": "Awa Traoré",
        "email": "awa.t@example.org",
        "phone": "06 99 88 77 66",
        "situation": "job_seeker",
    }
    applicant = await step(await client.post("/v1/applicants", headers=officer.headers, json=body), 201)
    url = f"/v1/applicants/{applicant['id']}"
    edited = await step(
        await client.patch(
            url,
            headers=officer.headers,
            json={
                "version": applicant["version"],
                "email": "awa.traore@example.org",
                "phone": "06 11 22 33 44",
                "full_name": "Awa Traoré",
                "reason": "coordonnées changées",
            },
        )
    )
    # Not identity data, the same value, or a value given for the first time: nothing to record.
    await step(
        await client.patch(
            url,
            headers=officer.headers,
            json={"version": edited["version"], "stage": "contacted", "postal_address": "2 rue Haxo, Paris"},
        )
    )
    export = await step(await client.get(f"/v1/privacy/persons/{applicant['id']}/export", headers=admin.headers))
    recorded = [(r["field"], r["reason"], r["recorded_by"]) for r in export["records"]["privacy_rectifications"]]
    assert sorted(recorded) == [
        ("email", "coordonnées changées", str(officer.id)),
        ("phone", "coordonnées changées", str(officer.id)),
    ]
    blank = await client.patch(
        url, headers=officer.headers, json={"version": 3, "email": "a@example.org", "reason": " "}
    )
    assert blank.status_code == 400 and "reason" in blank.text
