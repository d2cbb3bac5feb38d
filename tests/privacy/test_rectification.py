"""Rectification: identity and contact data corrected with who, when and why; money untouched."""

from __future__ import annotations

import pytest

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender
from tests.origination.test_scenario import step
from tests.privacy.path import PERSON, Client, whole_path


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


async def _rectify_contact(client: Client, officer: Caller, applicant_id: str, door: str, new: dict[str, str]) -> None:
    """Correct the name, e-mail and phone through ``door``: the officers' PATCH or the privacy route."""
    if door == "patch":
        applicant = await step(await client.get(f"/v1/applicants/{applicant_id}", headers=officer.headers))
        body = {"version": applicant["version"], **new, "reason": "coordonnées changées"}
        await step(await client.patch(f"/v1/applicants/{applicant_id}", headers=officer.headers, json=body))
        return
    for field, value in new.items():
        correction = {"field": field, "value": value, "reason": "coordonnées changées"}
        url = f"/v1/privacy/persons/{applicant_id}/rectifications"
        await step(await client.post(url, headers=officer.headers, json=correction), 201)


@pytest.mark.parametrize("door", ["patch", "privacy"])
async def test_the_borrower_signs_in_with_the_corrected_email_and_no_longer_with_the_old_one(
    door: str,
    client: Client,
    admin: Caller,
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)  # the disbursement opened the borrower account
    new = {"full_name": "Fatoumata Kouyaté-Diarra", "email": "f.diarra@example.org", "phone": "+33611223344"}
    await _rectify_contact(client, officer, path.applicant_id, door, new)

    code_sender.sent.clear()
    for email in (PERSON["email"], new["email"]):
        assert (await client.post("/v1/borrower-auth/codes", json={"email": email})).status_code == 202
    assert list(code_sender.sent) == [new["email"]]  # the code went to the corrected address only
    old = await client.post("/v1/borrower-auth/tokens", json={"email": PERSON["email"], "code": "000000"})
    assert old.status_code == 401
    token = await step(
        await client.post(
            "/v1/borrower-auth/tokens", json={"email": new["email"], "code": code_sender.sent[new["email"]]}
        )
    )
    borrower = {"Authorization": f"Bearer {token['access_token']}"}
    me = await step(await client.get("/v1/auth/me", headers=borrower))
    account = await step(await client.get(f"/v1/borrowers/{me['id']}", headers=borrower))
    assert (account["full_name"], account["email"], account["phone"]) == (
        new["full_name"],
        new["email"],
        new["phone"],
    )
    loans = await step(await client.get("/v1/borrower/loans", headers=borrower))
    assert [loan["id"] for loan in loans["items"]] == [path.loan_id]  # the same person, the same loans


async def test_an_email_another_borrower_signs_in_with_is_refused_and_nothing_is_changed(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)
    other = {"full_name": "Autre Emprunteuse", "email": "autre@example.org", "language": "fr"}
    await step(await client.post("/v1/borrowers", headers=officer.headers, json=other), 201)
    before = await step(await client.get(f"/v1/applicants/{path.applicant_id}", headers=officer.headers))
    refused = await client.patch(
        f"/v1/applicants/{path.applicant_id}",
        headers=officer.headers,
        json={"version": before["version"], "email": other["email"], "full_name": "Nouveau Nom", "reason": "erreur"},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "borrower.duplicate_email", refused.text
    after = await step(await client.get(f"/v1/applicants/{path.applicant_id}", headers=officer.headers))
    assert after == before  # the applicant's change went back with the account's
    export = await step(await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers))
    assert export["records"]["borrowers"][0]["email"] == PERSON["email"]
    assert export["records"]["privacy_rectifications"] == []
