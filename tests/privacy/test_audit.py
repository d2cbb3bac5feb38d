"""The audit of reads: every staff read of a person's file leaves who, when, what, route and request
id, without personal data; admins list it by person or staff member, page by page; it survives erasure."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from sqlalchemy import text

from service.kernel.db.engine import create_engine
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender, sign_in_partner, sign_in_staff
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import step
from tests.privacy.path import PERSON, Client, whole_path
from tests.ui.pages import sign_in_page


async def test_every_read_of_a_file_is_recorded_and_listed_by_person_and_by_staff(
    client: Client, admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)
    audit_url = f"/v1/privacy/persons/{path.applicant_id}/audit"
    export = await step(await client.get(f"/v1/privacy/persons/{path.applicant_id}/export", headers=admin.headers))
    borrower_id = export["records"]["borrowers"][0]["id"]
    application_id = path.application_url.rsplit("/", 1)[1]
    before = len((await step(await client.get(f"{audit_url}?limit=200", headers=admin.headers)))["items"])
    reads = [
        ("applicant", f"/v1/applicants/{path.applicant_id}", path.applicant_id),
        ("applicant_project", f"/v1/applicants/{path.applicant_id}/project", path.applicant_id),
        ("applicant_enrolments", f"/v1/applicants/{path.applicant_id}/enrolments", path.applicant_id),
        ("borrower", f"/v1/borrowers/{borrower_id}", borrower_id),
        ("application", path.application_url, application_id),
        ("loan", f"/v1/loans/{path.loan_id}", path.loan_id),
        ("loan_schedule", f"/v1/loans/{path.loan_id}/schedule", path.loan_id),
        ("loan_contract", f"/v1/loans/{path.loan_id}/contract.pdf", path.loan_id),
    ]
    request_ids = []
    for _, url, _ in reads:
        response = await client.get(url, headers=officer.headers)
        assert response.status_code == 200, (url, response.text)
        request_ids.append(response.headers["x-request-id"])
    missing = await client.get(f"/v1/applicants/{uuid.uuid4()}", headers=officer.headers)
    assert missing.status_code == 404  # nothing was shown: nothing recorded

    page = await step(await client.get(f"{audit_url}?limit=3", headers=admin.headers))
    entries = page["items"]
    while page["next_cursor"]:
        page = await step(await client.get(f"{audit_url}?limit=3&cursor={page['next_cursor']}", headers=admin.headers))
        entries += page["items"]
    assert len(entries) == before + len(reads)
    newest = entries[: len(reads)][::-1]
    assert [(e["object_kind"], e["object_id"], e["route"]) for e in newest] == [
        (kind, object_id, "api") for kind, _, object_id in reads
    ]
    assert [e["request_id"] for e in newest] == request_ids
    assert {e["staff_id"] for e in newest} == {str(officer.id)}

    by_staff = await step(await client.get(f"/v1/privacy/staff/{officer.id}/audit?limit=200", headers=admin.headers))
    assert [e["request_id"] for e in by_staff["items"][: len(reads)][::-1]] == request_ids
    assert (await client.get(audit_url, headers=officer.headers)).status_code == 403
    history = await client.get(f"{path.application_url}/history", headers=admin.headers)
    assert history.status_code == 200
    (latest,) = (await step(await client.get(f"{audit_url}?limit=1", headers=admin.headers)))["items"]
    assert (latest["object_kind"], latest["object_id"], latest["staff_id"]) == (
        "application",
        application_id,
        str(admin.id),
    )

    # Nothing personal in the audit, and it survives the erasure.
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            dump = str((await connection.execute(text("SELECT * FROM privacy_read_audit"))).all())
        assert not [v for v in PERSON.values() if v in dump]
        await step(await client.post(f"/v1/privacy/persons/{path.applicant_id}/erasure", headers=admin.headers))
        async with engine.connect() as connection:
            kept = await connection.scalar(text("SELECT count(*) FROM privacy_read_audit"))
            change = connection.execute(text("UPDATE privacy_read_audit SET route = 'ui'"))
            with pytest.raises(Exception, match="append-only"):
                await change
        assert kept >= len(entries)
    finally:
        await engine.dispose()
    after = await step(await client.get(f"{audit_url}?limit=200", headers=admin.headers))
    assert len(after["items"]) >= len(entries)


async def test_a_borrower_reading_their_own_loan_is_not_a_staff_read(
    client: Client,
    admin: Caller,
    officer: Caller,
    uow_factory: SqlUnitOfWorkFactory,
    code_sender: RecordingLoginCodeSender,
) -> None:
    path = await whole_path(client, admin, officer, uow_factory)
    audit_url = f"/v1/privacy/persons/{path.applicant_id}/audit?limit=200"
    before = (await step(await client.get(audit_url, headers=admin.headers)))["items"]
    await step(await client.post("/v1/borrower-auth/codes", json={"email": PERSON["email"]}), 202)
    token = await step(
        await client.post(
            "/v1/borrower-auth/tokens", json={"email": PERSON["email"], "code": code_sender.sent[PERSON["email"]]}
        )
    )
    own = await client.get(f"/v1/loans/{path.loan_id}", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert own.status_code == 200
    assert (await step(await client.get(audit_url, headers=admin.headers)))["items"] == before


async def test_a_ui_page_marks_itself_the_same_way(
    client: Client, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    """The officers' person page is read through a session, not a bearer token: its record names
    the staff member of the session and the ``ui`` route."""
    staff = await sign_in_staff(client, uow_factory, "ui-reader", "loan_officer")
    partner = await sign_in_partner(client, uow_factory, "ft")
    assert (await refer(client, partner, REFERRAL, "k1")).status_code == 201
    await sign_in_page(client, "ui-reader")
    found = (await client.get("/ui/people", params={"q": "Diallo Amina"})).text
    person = uuid.UUID(found.split('href="/ui/people/')[1].split('"')[0])
    assert (await client.get(f"/ui/people/{person}")).status_code == 200
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            query = "SELECT route, object_kind, staff_id FROM privacy_read_audit WHERE object_id = :id"
            row = (await connection.execute(text(query), {"id": person})).one()
    finally:
        await engine.dispose()
    assert (row.route, row.object_kind, row.staff_id) == ("ui", "applicant", staff.id)


class BrokenAudit:
    async def record(self, read: object) -> None:
        raise ConnectionError("audit store unreachable")


async def test_a_file_whose_read_cannot_be_recorded_is_not_shown(
    app: Litestar, client: Client, officer: Caller
) -> None:
    body = {"full_name": "Sans Trace", "email": "sans.trace@example.org", "situation": "other"}
    applicant = await step(await client.post("/v1/applicants", headers=officer.headers, json=body), 201)
    app.state.read_audit = BrokenAudit()
    response = await client.get(f"/v1/applicants/{applicant['id']}", headers=officer.headers)
    assert response.status_code == 500 and "Sans Trace" not in response.text
    assert response.json()["code"] == "internal_error"
