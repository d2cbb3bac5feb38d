"""Training through the pages: a session scheduled, a person found and enrolled, the attendance
sheet of each day, completion; refusals next to their field; readers cannot change anything."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import sign_in_staff
from tests.training.test_http import TODAY, add_applicant
from tests.ui.pages import csrf_of, post_form, sign_in_page


async def test_a_training_from_session_to_completion_through_the_pages(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    applicant = await add_applicant(uow_factory, "Sonia Haddad")
    await sign_in_page(client, "officer")
    made = await post_form(
        client,
        "/ui/training",
        "/ui/training/programmes",
        name="Créer son entreprise",
        provider_name="BGE",
        duration_days="2",
    )
    assert made.status_code == 303, made.text
    html = (await client.get("/ui/training")).text
    programme_id = re.search(r'<option value="([0-9a-f-]{36})"', html)
    assert programme_id
    starts = TODAY - timedelta(days=3)
    session = await post_form(
        client,
        "/ui/training",
        "/ui/training/sessions",
        programme_id=programme_id.group(1),
        starts_on=starts.isoformat(),
        ends_on=(starts + timedelta(days=1)).isoformat(),
        capacity="8",
        trainer="Nadia Ferhat",
        location="Paris 11e",
    )
    assert session.status_code == 303, session.text
    page = session.headers["location"]
    found = (await client.get(f"{page}?q=haddad")).text  # any case
    assert "Sonia Haddad" in found
    enrolled = await client.post(
        f"{page}/enrolments", data={"_csrf": csrf_of(found), "applicant_id": applicant}, follow_redirects=False
    )
    assert enrolled.status_code == 303, enrolled.text
    for offset in (0, 1):
        sheet_path = f"{page}/attendance/{(starts + timedelta(days=offset)).isoformat()}"
        sheet = (await client.get(sheet_path)).text
        assert "Sonia Haddad" in sheet and "pas encore saisi" in sheet
        enrolment_id = re.search(r'name="present" value="([0-9a-f-]{36})"', sheet)
        assert enrolment_id
        saved = await client.post(
            sheet_path, data={"_csrf": csrf_of(sheet), "present": enrolment_id.group(1)}, follow_redirects=False
        )
        assert saved.status_code == 303, saved.text
        assert "pas encore saisi" not in (await client.get(sheet_path)).text
    html = (await client.get(page)).text
    completion = re.search(r'action="([^"]+/completion)"', html)
    assert completion
    done = await client.post(
        completion.group(1), data={"_csrf": csrf_of(html), "completed_on": TODAY.isoformat()}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert "formation validée" in (await client.get(page)).text
    assert (await client.get(f"/v1/applicants/{applicant}", headers={})).status_code == 401  # pages only, no token


async def test_a_bad_session_shows_errors_next_to_fields_and_readers_only_read(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_staff(client, uow_factory, "reader", "read_only")
    await sign_in_page(client, "officer")
    refused = await post_form(
        client, "/ui/training", "/ui/training/programmes", name="", provider_name="BGE", duration_days="x"
    )
    assert refused.status_code == 422 and 'id="e-name"' in refused.text and 'value="BGE"' in refused.text
    await sign_in_page(client, "reader")
    html = (await client.get("/ui/training")).text
    assert "Nouvelle session" not in html
    forbidden = await client.post(
        "/ui/training/programmes", data={"_csrf": csrf_of(html), "name": "x"}, follow_redirects=False
    )
    assert forbidden.status_code == 403
