"""A session's attendance sheets in one read (the officers' attendance page per day)."""

from __future__ import annotations

from datetime import timedelta

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.training.test_http import TODAY, Client, add_applicant, add_programme, add_session, attend, enrol


async def test_the_sheet_lists_who_was_present_each_day_of_the_session_only(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    programme = await add_programme(client, officer)
    session = await add_session(client, officer, programme["id"], TODAY - timedelta(days=5), days=3)
    other = await add_session(client, officer, programme["id"], TODAY - timedelta(days=4), days=3)
    amina, bruno = [await add_applicant(uow_factory, n) for n in ("Amina Diallo", "Bruno Petit")]
    amina_in = (await enrol(client, officer, session["id"], amina)).json()
    bruno_in = (await enrol(client, officer, session["id"], bruno)).json()
    elsewhere = (await enrol(client, officer, other["id"], amina)).json()
    first, second = TODAY - timedelta(days=5), TODAY - timedelta(days=4)
    for enrolment, day, present in ((amina_in, first, True), (bruno_in, first, False), (amina_in, second, True)):
        assert (await attend(client, officer, enrolment["id"], day, present)).status_code == 200
    assert (await attend(client, officer, elsewhere["id"], second)).status_code == 200

    answer = await client.get(f"/v1/training-sessions/{session['id']}/attendance", headers=officer.headers)
    assert answer.status_code == 200, answer.text
    sheet = [(a["day"], a["enrolment_id"], a["present"]) for a in answer.json()]
    assert sorted(sheet) == sorted(
        [
            (first.isoformat(), amina_in["id"], True),
            (first.isoformat(), bruno_in["id"], False),
            (second.isoformat(), amina_in["id"], True),
        ]
    )
    missing = await client.get(
        "/v1/training-sessions/00000000-0000-0000-0000-000000000001/attendance", headers=officer.headers
    )
    assert missing.status_code == 404
