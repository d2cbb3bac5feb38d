"""Personal data never reaches a log line; every request line carries the request id."""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from typing import Any

import pytest
import structlog
from arq import create_pool, func
from arq.connections import RedisSettings
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine

from service.cli import ROOT
from service.logging import configure_logging, scrub_text
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from service.worker import build_worker
from tests.conftest import Caller, Racing, truncate_all
from tests.loans import make_loan

PERSONAL = [
    "Camille Martin",
    "camille.martin@example.org",
    "+33612345678",
    "06 12 34 56 78",
    "FR76 3000 6000 0112 3456 7890 189",
    "12 rue de la Paix",
]


@pytest.mark.parametrize("text", PERSONAL[1:])
def test_patterns_are_scrubbed_inside_free_text(text: str) -> None:
    assert text not in scrub_text(f"while calling for {text}, something failed")


def test_personal_keys_are_redacted_even_when_nested(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    structlog.get_logger().info(
        "borrower_updated",
        full_name="Camille Martin",
        email="c@example.org",
        changes={"address": "12 rue de la Paix", "iban": "FR7630006000011234567890189"},
        note="call 06 12 34 56 78 or write to c@example.org",
    )
    out = capsys.readouterr().out
    line = json.loads(out.strip().splitlines()[-1])
    assert line["event"] == "borrower_updated"
    for text in [
        "Camille Martin",
        "c@example.org",
        "12 rue de la Paix",
        "FR7630006000011234567890189",
        "06 12 34 56 78",
    ]:
        assert text not in out


async def test_a_whole_borrower_journey_logs_no_personal_data(
    client: AsyncTestClient[Litestar], officer: Caller, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"full_name": PERSONAL[0], "email": PERSONAL[1], "phone": PERSONAL[3], "language": "fr"}
    created = await client.post("/v1/borrowers", json=body, headers=officer.headers)
    assert created.status_code == 201
    await client.post("/v1/borrowers", json=body, headers=officer.headers)  # 409, logged too
    await client.post("/v1/borrower-auth/codes", json={"email": PERSONAL[1]})
    await client.post("/v1/borrower-auth/tokens", json={"email": PERSONAL[1], "code": "000000"})
    await client.post("/v1/borrowers", json={**body, "email": "x"}, headers=officer.headers)
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line["event"] == "request_finished"]
    assert len(request_lines) >= 5 and all(line.get("request_id") for line in request_lines)
    for text in [*PERSONAL[:4], "+33612345678"]:
        assert text not in out


def database_log() -> str:
    """What the test session's PostgreSQL server has logged so far (tests/servers.py starts it)."""
    logs = sorted((ROOT / ".local").glob("test-pg-*/server.log"))
    return "".join(path.read_text(errors="replace") for path in logs)


async def test_racing_creations_of_one_person_leave_no_personal_data_in_the_database_log(
    racing: Racing, officer: Caller, admin: Caller
) -> None:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the database server is not ours: its log is elsewhere")
    borrower = {"full_name": "Racing Person", "email": "racing.person@example.org", "language": "fr"}
    applicant = {"full_name": "Racing Applicant", "email": "racing.applicant@example.org", "situation": "other"}
    staff = {
        "username": "racing.officer",
        "full_name": "Racing Officer",
        "password": "long-enough-pass-1234",
        "roles": ["loan_officer"],
    }
    async with racing() as http:
        for _ in range(3):
            borrowers = await asyncio.gather(
                *(http.post("/v1/borrowers", json=borrower, headers=officer.headers) for _ in range(4))
            )
            applicants = await asyncio.gather(
                *(http.post("/v1/applicants", json=applicant, headers=officer.headers) for _ in range(4))
            )
            staff_users = await asyncio.gather(
                *(http.post("/v1/staff-users", json=staff, headers=admin.headers) for _ in range(4))
            )
            for answer in [*borrowers, *applicants, *staff_users]:
                assert answer.status_code in (201, 409), answer.text
    assert "racing.person@example.org" not in database_log()
    assert "racing.applicant@example.org" not in database_log()
    assert "racing.officer" not in database_log()


async def test_a_name_in_a_url_is_not_logged(
    client: AsyncTestClient[Litestar], admin: Caller, capsys: pytest.CaptureFixture[str]
) -> None:
    await client.get("/v1/borrowers/Camille Martin", headers=admin.headers)
    await client.get("/v1/no-such-thing/Camille%20Martin/loans", headers=admin.headers)
    await client.get("/Camille-Martin", headers=admin.headers)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"')]
    service_lines = [line for line in lines if "request_id" in line]  # the test client logs too
    paths = [line["path"] for line in service_lines if line["event"] == "request_finished"]
    assert len(paths) == 3 and "/v1/borrowers/[redacted]" in paths, paths
    assert "Camille" not in json.dumps(service_lines)


# Issue 15: addresses, birth dates and free-text notes too, in the API's and the worker's logs.
FREE_TEXT = [
    "née le 12/03/1985",
    "date de naissance : 1985-03-12",
    "17 rue des Orteaux, 75020 Paris",
    "4 bis avenue Jean Jaurès",
]


@pytest.mark.parametrize("text", FREE_TEXT)
def test_addresses_and_birth_dates_are_scrubbed_inside_free_text(text: str) -> None:
    scrubbed = scrub_text(f"note: {text}; à rappeler")
    assert not re.search(r"1985|Orteaux|Jaurès", scrubbed), scrubbed


def test_free_text_notes_and_situations_are_redacted_by_key(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    notes = {
        "difficulties": "Fatoumata manque de trésorerie",
        "comment": "Mme Kouyaté connaît bien son marché",
        "project_idea": "Atelier de couture Kouyaté",
        "purpose": "Machines pour Kouyaté",
        "postal_address": "Résidence Les Lilas, bâtiment B",
        "situation": "minimum_income_beneficiary",
        "date_of_birth": "1985-03-12",
        "born_on": "1985-03-12",
        "reason": "voir avec Fatoumata",
    }
    structlog.get_logger().info("contact_recorded", **notes, changes={"notes": "Fatoumata au RSA"})
    out = capsys.readouterr().out
    assert json.loads(out.strip().splitlines()[-1])["event"] == "contact_recorded"
    for text in ["Fatoumata", "Kouyaté", "Lilas", "minimum_income", "1985"]:
        assert text not in out


async def leaky_job(ctx: dict[str, Any], person: str) -> None:
    """A job whose failure quotes personal data (as a driver's unique-violation DETAIL does)."""
    raise RuntimeError(f"Key (email)=({person}) already exists; born 12/03/1985 at 17 rue des Orteaux")


async def test_the_workers_logs_carry_no_personal_data(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    await pool.enqueue_job("leaky_job", "fatoumata.kouyate@example.org", _job_id="leaky")
    worker = build_worker(
        settings, functions=[func(leaky_job, name="leaky_job", max_tries=1)], cron_jobs=[], burst=True, poll_delay=0.05
    )
    worker.handle_signals = False
    try:
        await worker.async_run()
    finally:
        await worker.close()
        await pool.aclose()
        await truncate_all(settings.database_url, settings.redis_url)
    out = capsys.readouterr().out
    assert "leaky_job" in out and "RuntimeError" in out  # the failure is logged, scrubbed
    for text in ["fatoumata.kouyate", "1985", "Orteaux"]:
        assert text not in out


async def test_failed_notices_list_no_personal_data(
    client: AsyncTestClient[Litestar], officer: Caller, uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    assert officer.id is not None
    loan = await make_loan(uow_factory, officer_id=officer.id, borrower_name="Fatoumata Kouyaté")
    async with engine.begin() as connection:
        await connection.execute(
            sql("""INSERT INTO notices (id, recipient_kind, recipient_id, channel, event_key, kind, payload, status,
                                         last_error)
                    SELECT :id, 'applicant', l.applicant_id, 'email', 'e', 'due_date_reminder', '{}', 'failed',
                           'smtp.recipient_refused.550' FROM loans l WHERE l.id = :loan"""),
            {"id": uuid.uuid4(), "loan": loan.id},
        )
    listed = await client.get("/v1/notices/failed", headers=officer.headers)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    assert "Fatoumata" not in listed.text and "Kouyat" not in listed.text and "@" not in listed.text
