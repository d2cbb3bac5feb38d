"""Officers run trainings: programmes, sessions with limited seats, enrolments and moves, attendance,
completion; the applicant's stage follows, and the last seat goes to exactly one of two racing requests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.identity.model import Partner
from domain.ids import new_id
from domain.origination.applicants import Applicant, Situation, Stage
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, Racing

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()  # the lender's date (LENDER_TIMEZONE)
Client = AsyncTestClient[Litestar] | httpx.AsyncClient


async def add_applicant(uow_factory: SqlUnitOfWorkFactory, name: str, stage: Stage = Stage.CONTACTED) -> str:
    applicant = Applicant(
        id=new_id(),
        full_name=name,
        email=f"{name.lower().replace(' ', '.')}@example.org",
        phone=None,
        situation=Situation.JOB_SEEKER,
        stage=stage,
        created_at=datetime.now(UTC),
    )
    async with uow_factory() as uow:
        await uow.applicants.add(applicant)
        await uow.commit()
    return str(applicant.id)


async def add_programme(client: Client, caller: Caller, **fields: Any) -> dict[str, Any]:
    body = {"name": "Créer son entreprise", "provider_name": "BGE Rhône", "duration_days": 10, **fields}
    response = await client.post("/v1/training-programmes", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def add_session(
    client: Client, caller: Caller, programme_id: str, starts_on: date, days: int = 10, capacity: int = 15
) -> dict[str, Any]:
    body = {
        "programme_id": programme_id,
        "starts_on": starts_on.isoformat(),
        "ends_on": (starts_on + timedelta(days=days - 1)).isoformat(),
        "capacity": capacity,
        "trainer": "Claire Martin",
        "location": "Lyon 7e",
    }
    response = await client.post("/v1/training-sessions", json=body, headers=caller.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def enrol(client: Client, caller: Caller, session_id: str, applicant_id: str) -> Any:
    return await client.post(
        f"/v1/training-sessions/{session_id}/enrolments", json={"applicant_id": applicant_id}, headers=caller.headers
    )


async def attend(client: Client, caller: Caller, enrolment_id: str, day: date, present: bool = True) -> Any:
    return await client.put(
        f"/v1/enrolments/{enrolment_id}/attendance/{day.isoformat()}", json={"present": present}, headers=caller.headers
    )


async def stage_of(client: Client, caller: Caller, applicant_id: str) -> str:
    response = await client.get(f"/v1/applicants/{applicant_id}", headers=caller.headers)
    return response.json()["stage"]  # type: ignore[no-any-return]


async def test_a_training_from_programme_to_completion(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    programme = await add_programme(client, officer)
    assert programme["min_attendance_percent"] == "80" and programme["active"] is True
    march = await add_session(client, officer, programme["id"], TODAY - timedelta(days=30), capacity=2)
    april = await add_session(client, officer, programme["id"], TODAY - timedelta(days=15), capacity=2)
    amina, bruno, chloe = [await add_applicant(uow_factory, n) for n in ("Amina Diallo", "Bruno Petit", "Chloe Roy")]

    # Two seats: two people get in, the third is told the session is full.
    first = await enrol(client, officer, march["id"], amina)
    assert first.status_code == 201, first.text
    amina_enrolment = first.json()
    assert amina_enrolment["status"] == "enrolled" and amina_enrolment["session_id"] == march["id"]
    bruno_enrolment = (await enrol(client, officer, march["id"], bruno)).json()
    full = await enrol(client, officer, march["id"], chloe)
    assert full.status_code == 409 and full.json()["code"] == "training.session_full"
    assert "2 of 2" in full.json()["detail"]
    read = (await client.get(f"/v1/training-sessions/{march['id']}", headers=officer.headers)).json()
    assert (read["enrolled"], read["seats_left"]) == (2, 0)
    assert await stage_of(client, officer, amina) == "in_training"
    assert await stage_of(client, officer, chloe) == "contacted"

    twice = await enrol(client, officer, march["id"], amina)
    assert twice.status_code == 409 and twice.json()["code"] == "training.already_enrolled"

    # Bruno moves to April: his March enrolment stays as history and frees his seat for Chloé.
    moved = await client.post(
        f"/v1/enrolments/{bruno_enrolment['id']}/move", json={"to_session_id": april["id"]}, headers=officer.headers
    )
    assert moved.status_code == 201, moved.text
    previous, current = moved.json()["previous"], moved.json()["current"]
    assert previous["id"] == bruno_enrolment["id"] and previous["status"] == "moved"
    assert previous["moved_to_enrolment_id"] == current["id"]
    assert current["session_id"] == april["id"] and current["status"] == "enrolled"
    assert (await enrol(client, officer, march["id"], chloe)).status_code == 201
    history = (await client.get(f"/v1/applicants/{bruno}/enrolments", headers=officer.headers)).json()
    assert [(e["session_id"], e["status"]) for e in history] == [(march["id"], "moved"), (april["id"], "enrolled")]
    # The history says which programme and dates, not only a session id.
    assert {(e["programme_name"], e["session_starts_on"]) for e in history} == {
        ("Créer son entreprise", march["starts_on"]),
        ("Créer son entreprise", april["starts_on"]),
    }
    listed = (await client.get(f"/v1/training-sessions/{march['id']}/enrolments", headers=officer.headers)).json()
    assert sorted(e["status"] for e in listed) == ["enrolled", "enrolled", "moved"]
    # Who is enrolled, by name: an officer reads the list without looking each id up.
    assert sorted((e["applicant_name"], e["status"]) for e in listed) == [
        ("Amina Diallo", "enrolled"),
        ("Bruno Petit", "moved"),
        ("Chloe Roy", "enrolled"),
    ]
    gone = await attend(client, officer, bruno_enrolment["id"], date.fromisoformat(march["starts_on"]))
    assert gone.status_code == 422 and gone.json()["code"] == "training.enrolment_not_active"

    # Amina attends 7 days of 10: not enough for the programme's 80 %.
    days = [date.fromisoformat(march["starts_on"]) + timedelta(days=n) for n in range(10)]
    for day in days[:7]:
        response = await attend(client, officer, amina_enrolment["id"], day)
        assert response.status_code == 200, response.text
        assert response.json()["recorded_by"] == str(officer.id)
    assert (await attend(client, officer, amina_enrolment["id"], days[7], present=False)).status_code == 200
    outside = await attend(client, officer, amina_enrolment["id"], days[-1] + timedelta(days=1))
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "day"
    completion = {"completed_on": march["ends_on"]}
    refused = await client.post(
        f"/v1/enrolments/{amina_enrolment['id']}/completion", json=completion, headers=officer.headers
    )
    assert refused.status_code == 422 and refused.json()["code"] == "training.attendance_too_low"
    assert "70.0 %" in refused.json()["detail"]
    assert await stage_of(client, officer, amina) == "in_training"

    # Day 8 was wrongly marked absent: corrected, she reaches 80 % and completes.
    assert (await attend(client, officer, amina_enrolment["id"], days[7], present=True)).status_code == 200
    accepted = await client.post(
        f"/v1/enrolments/{amina_enrolment['id']}/completion", json=completion, headers=officer.headers
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "completed" and accepted.json()["completed_on"] == march["ends_on"]
    assert await stage_of(client, officer, amina) == "trained"
    again = await client.post(
        f"/v1/enrolments/{amina_enrolment['id']}/completion", json=completion, headers=officer.headers
    )
    assert again.status_code == 422 and again.json()["code"] == "training.enrolment_not_active"

    # What the eligibility check of applications asks.
    other_programme = uuid.uuid4()
    async with uow_factory() as uow:
        assert await uow.trainings.has_completed_training(uuid.UUID(amina), None)
        assert await uow.trainings.has_completed_training(uuid.UUID(amina), {uuid.UUID(programme["id"])})
        assert not await uow.trainings.has_completed_training(uuid.UUID(amina), {other_programme})
        assert not await uow.trainings.has_completed_training(uuid.UUID(amina), set())
        assert not await uow.trainings.has_completed_training(uuid.UUID(bruno), None)


async def test_two_enrolments_for_the_last_seat_one_gets_it(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory, racing: Racing
) -> None:
    programme = await add_programme(client, officer)
    session = await add_session(client, officer, programme["id"], TODAY, capacity=2)
    people = [await add_applicant(uow_factory, f"Person {n}") for n in range(3)]
    assert (await enrol(client, officer, session["id"], people[0])).status_code == 201
    async with racing() as http:
        answers = await asyncio.gather(*(enrol(http, officer, session["id"], p) for p in people[1:]))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    loser = next(r for r in answers if r.status_code == 409)
    assert loser.json()["code"] == "training.session_full"
    read = (await client.get(f"/v1/training-sessions/{session['id']}", headers=officer.headers)).json()
    assert (read["enrolled"], read["seats_left"]) == (2, 0)


async def test_the_same_person_sent_twice_at_once_is_enrolled_once(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory, racing: Racing
) -> None:
    programme = await add_programme(client, officer)
    session = await add_session(client, officer, programme["id"], TODAY)
    person = await add_applicant(uow_factory, "Dana Leroy")
    async with racing() as http:
        answers = await asyncio.gather(*(enrol(http, officer, session["id"], person) for _ in range(2)))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    listed = (await client.get(f"/v1/applicants/{person}/enrolments", headers=officer.headers)).json()
    assert len(listed) == 1


async def test_a_move_into_a_full_session_or_another_programme_is_refused(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    programme = await add_programme(client, officer)
    march = await add_session(client, officer, programme["id"], TODAY, capacity=5)
    april = await add_session(client, officer, programme["id"], TODAY + timedelta(days=30), capacity=1)
    other = await add_session(client, officer, (await add_programme(client, officer))["id"], TODAY)
    eve, fred = await add_applicant(uow_factory, "Eve Moreau"), await add_applicant(uow_factory, "Fred Blanc")
    assert (await enrol(client, officer, april["id"], fred)).status_code == 201
    enrolment = (await enrol(client, officer, march["id"], eve)).json()
    path = f"/v1/enrolments/{enrolment['id']}/move"
    full = await client.post(path, json={"to_session_id": april["id"]}, headers=officer.headers)
    assert full.status_code == 409 and full.json()["code"] == "training.session_full"
    elsewhere = await client.post(path, json={"to_session_id": other["id"]}, headers=officer.headers)
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "to_session_id"
    listed = (await client.get(f"/v1/applicants/{eve}/enrolments", headers=officer.headers)).json()
    assert [e["status"] for e in listed] == ["enrolled"]


async def test_stage_is_not_sent_back_for_someone_already_applying(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    programme = await add_programme(client, officer)
    session = await add_session(client, officer, programme["id"], TODAY)
    person = await add_applicant(uow_factory, "Gina Faure", stage=Stage.APPLYING)
    assert (await enrol(client, officer, session["id"], person)).status_code == 201
    assert await stage_of(client, officer, person) == "applying"


async def test_sessions_are_listed_by_programme_and_start_date_page_by_page(client: Client, admin: Caller) -> None:
    bge, adie = await add_programme(client, admin), await add_programme(client, admin, name="Adie")
    early = await add_session(client, admin, bge["id"], date(2026, 1, 5))
    late = await add_session(client, admin, bge["id"], date(2026, 6, 1))
    elsewhere = await add_session(client, admin, adie["id"], date(2026, 6, 1))

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/v1/training-sessions?{query}", headers=admin.headers)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert await ids(f"programme_id={bge['id']}") == [early["id"], late["id"]]
    assert await ids("starts_from=2026-03-01") == [late["id"], elsewhere["id"]]
    assert await ids(f"programme_id={bge['id']}&starts_from=2026-03-01") == [late["id"]]
    page = (await client.get("/v1/training-sessions?limit=2", headers=admin.headers)).json()
    assert [s["id"] for s in page["items"]] == [early["id"], late["id"]] and page["next_cursor"] == late["id"]
    rest = await ids(f"limit=2&cursor={page['next_cursor']}")
    assert rest == [elsewhere["id"]]
    assert [(s["enrolled"], s["seats_left"]) for s in page["items"]] == [(0, 15), (0, 15)]
    programmes = (await client.get("/v1/training-programmes?limit=1", headers=admin.headers)).json()
    assert [p["id"] for p in programmes["items"]] == [bge["id"]] and programmes["next_cursor"] == bge["id"]
    assert (await client.get(f"/v1/training-programmes/{adie['id']}", headers=admin.headers)).json()["name"] == "Adie"


async def test_unknown_ids_are_404(client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory) -> None:
    programme = await add_programme(client, officer)
    session = await add_session(client, officer, programme["id"], TODAY)
    nobody, someone, h = str(uuid.uuid4()), await add_applicant(uow_factory, "Hugo Brun"), officer.headers
    cases = [
        (await client.get(f"/v1/training-programmes/{nobody}", headers=h), "training.programme_not_found", None),
        (await client.get(f"/v1/training-sessions/{nobody}", headers=h), "training.session_not_found", None),
        (await client.get(f"/v1/training-sessions/{nobody}/enrolments", headers=h), "training.session_not_found", None),
        (await enrol(client, officer, nobody, someone), "training.session_not_found", None),
        (await enrol(client, officer, session["id"], nobody), "applicant.not_found", "applicant_id"),
        (await client.get(f"/v1/applicants/{nobody}/enrolments", headers=h), "applicant.not_found", None),
        (
            await client.post(f"/v1/enrolments/{nobody}/move", json={"to_session_id": session["id"]}, headers=h),
            "training.enrolment_not_found",
            None,
        ),
        (await attend(client, officer, nobody, TODAY), "training.enrolment_not_found", None),
        (
            await client.post(f"/v1/enrolments/{nobody}/completion", json={"completed_on": str(TODAY)}, headers=h),
            "training.enrolment_not_found",
            None,
        ),
        (
            await client.post(
                "/v1/training-sessions",
                json={
                    "programme_id": nobody,
                    "starts_on": "2026-03-02",
                    "ends_on": "2026-03-13",
                    "capacity": 15,
                    "trainer": "t",
                    "location": "l",
                },
                headers=h,
            ),
            "training.programme_not_found",
            "programme_id",
        ),
        (
            await client.post(
                "/v1/training-programmes",
                json={"name": "n", "provider_name": "p", "duration_days": 10, "provider_partner_id": nobody},
                headers=h,
            ),
            "partner.not_found",
            "provider_partner_id",
        ),
    ]
    for response, code, field in cases:
        assert response.status_code == 404, response.text
        problem = response.json()
        assert problem["code"] == code
        assert (problem.get("errors") or [{}])[0].get("field") == field
    enrolment = (await enrol(client, officer, session["id"], await add_applicant(uow_factory, "Iris"))).json()
    to_nowhere = await client.post(f"/v1/enrolments/{enrolment['id']}/move", json={"to_session_id": nobody}, headers=h)
    assert to_nowhere.status_code == 404 and to_nowhere.json()["errors"][0]["field"] == "to_session_id"


async def test_bad_input_is_refused_naming_the_field(
    client: Client, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    programme = await add_programme(client, officer)
    session_body = {
        "programme_id": programme["id"],
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-13",
        "capacity": 15,
        "trainer": "Claire Martin",
        "location": "Lyon",
    }
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("/v1/training-sessions", {**session_body, "capacity": 0}, 400, "capacity"),
        ("/v1/training-sessions", {**session_body, "capacity": 201}, 400, "capacity"),
        ("/v1/training-sessions", {**session_body, "ends_on": "2026-03-01"}, 422, "ends_on"),
        ("/v1/training-sessions", {**session_body, "starts_on": "2026-02-30"}, 400, "starts_on"),
        ("/v1/training-sessions", {**session_body, "trainer": " "}, 400, "trainer"),
        ("/v1/training-sessions", {**session_body, "room": "B12"}, 400, "body"),
        ("/v1/training-programmes", {"name": "n", "provider_name": "p", "duration_days": 0}, 400, "duration_days"),
        (
            "/v1/training-programmes",
            {"name": "n", "provider_name": "p", "duration_days": 10, "min_attendance_percent": 80},
            400,
            "min_attendance_percent",
        ),
        (
            "/v1/training-programmes",
            {"name": "n", "provider_name": "p", "duration_days": 10, "min_attendance_percent": "120"},
            422,
            "min_attendance_percent",
        ),
    ]
    for path, body, status, field in cases:
        response = await client.post(path, json=body, headers=officer.headers)
        assert response.status_code == status, (body, response.text)
        errors = response.json().get("errors") or [{"field": "body"}]
        assert errors[0]["field"] == field or (field == "body" and "room" in errors[0]["reason"]), response.text

    # Attendance: a body that is not a boolean, a date that does not exist, a day ahead of today.
    session = await add_session(client, officer, programme["id"], TODAY - timedelta(days=1), days=5)
    enrolment = (await enrol(client, officer, session["id"], await add_applicant(uow_factory, "Jules"))).json()
    path = f"/v1/enrolments/{enrolment['id']}/attendance"
    not_bool = await client.put(f"{path}/{TODAY}", json={"present": "yes"}, headers=officer.headers)
    assert not_bool.status_code == 400 and not_bool.json()["errors"][0]["field"] == "present"
    no_such_day = await client.put(f"{path}/2026-02-30", json={"present": True}, headers=officer.headers)
    # A path segment that is not a date matches no route, as a malformed id does anywhere in the API.
    assert no_such_day.status_code == 404, no_such_day.text
    ahead = await attend(client, officer, enrolment["id"], TODAY + timedelta(days=1))
    assert ahead.status_code == 422 and ahead.json()["code"] == "training.day_in_future"
    early = await client.post(
        f"/v1/enrolments/{enrolment['id']}/completion", json={"completed_on": str(TODAY)}, headers=officer.headers
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "completed_on"


async def test_a_programme_provider_must_be_a_training_provider(
    client: Client, admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    now = datetime.now(UTC)
    agency = Partner(id=new_id(), name="France Travail", kind="employment_agency", active=True, created_at=now)
    provider = Partner(id=new_id(), name="BGE Rhône", kind="training_provider", active=True, created_at=now)
    async with uow_factory() as uow:
        await uow.partners.add(agency)
        await uow.partners.add(provider)
        await uow.commit()
    body = {"name": "Créer", "provider_name": "x", "duration_days": 10}
    wrong = await client.post(
        "/v1/training-programmes", json={**body, "provider_partner_id": str(agency.id)}, headers=admin.headers
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "training.not_a_training_provider"
    right = await add_programme(client, admin, provider_partner_id=str(provider.id), min_attendance_percent="75.5")
    assert right["provider_partner_id"] == str(provider.id) and right["min_attendance_percent"] == "75.5"


async def test_a_session_is_bounded_by_its_programme(client: Client, officer: Caller) -> None:
    programme = await add_programme(client, officer)  # 10 days: two weeks with their weekends
    start = TODAY + timedelta(days=7)
    two_weeks = await add_session(client, officer, programme["id"], start, days=14)
    assert (date.fromisoformat(two_weeks["ends_on"]) - start).days == 13
    body = {"programme_id": programme["id"], "capacity": 15, "trainer": "Claire Martin", "location": "Lyon"}
    for starts_on, ends_on, field in (
        (start, start + timedelta(days=14), "ends_on"),  # a day longer than two weeks
        (date(1, 1, 1), date(9999, 12, 31), "ends_on"),  # stalled the completion for most of a second
        (date(1, 1, 1), date(1, 1, 10), "starts_on"),
        (date(9999, 12, 20), date(9999, 12, 31), "starts_on"),
        (TODAY + timedelta(days=3 * 366), TODAY + timedelta(days=3 * 366 + 9), "starts_on"),
    ):
        response = await client.post(
            "/v1/training-sessions",
            json={**body, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
            headers=officer.headers,
        )
        assert response.status_code == 422, (starts_on, ends_on, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
