"""`make run`'s demo data: it walks the real path (files prepared by the officer, decided by the
committee, paid out), and every start can print sign-ins and a partner key that works."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.followup.policies import AgendaStatus
from domain.origination.applications import Action, Status
from service.followup.handlers import officer_agenda
from service.identity.handlers import authenticate_api_key
from service.origination.ports import ApplicantSearch, ApplicationFilter
from service.settings import Settings, SettingsError
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import make_settings, truncate_all
from tests.servers import RunningServers
from tools.demo import (
    DEMO_BORROWER_EMAIL,
    DEMO_FILES,
    DEMO_STAFF,
    Banner,
    demo_password,
    read_demo_key,
    seed_demo,
    seed_summary,
)

# A small book: every profile of the cycle and the written-off loan, quick enough for the suite.
SMALL_BOOK = 36


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql))).scalar_one())


async def test_the_demo_keeps_its_two_documented_files_and_loads_the_book_once(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    lines: list[str] = []
    try:
        await seed_demo(settings, tmp_path / "key.json", book_loans=SMALL_BOOK, progress=lines.append)
        loans_once = await _count(engine, "SELECT count(*) FROM loans")
        await seed_demo(settings, tmp_path / "key.json", book_loans=SMALL_BOOK)  # a second run loads nothing
        assert await _count(engine, "SELECT count(*) FROM loans") == loans_once == SMALL_BOOK + 1
        assert lines and "loans" in lines[-1]  # progress is shown
        async with uow_factory() as uow:
            found = {
                a.full_name: a for a in await uow.applicants.search(ApplicantSearch(name="Diallo"), after=None, limit=5)
            }
            amina = next(
                iter(
                    await uow.applications.page(
                        ApplicationFilter(applicant_id=found["Amina Diallo"].id), after=None, limit=5
                    )
                )
            )
            assert amina.status is Status.APPROVED and not all(c.met for c in amina.conditions)
            borrower = await uow.borrowers.by_email(DEMO_BORROWER_EMAIL)
            assert borrower is not None
            (camille_loan,) = await uow.servicing.loans_of_borrower(borrower.id)
            loan = await uow.loans.get(camille_loan)
            assert loan is not None
            disbursed = await uow.applications.get(loan.application_id)
            assert disbursed is not None and disbursed.status is Status.DISBURSED
            assert all(c.met for c in disbursed.conditions) and disbursed.conditions
            history = await uow.applications.history(disbursed.id)
            decision = next(h for h in history if h.action is Action.APPROVE)
            assert decision.actor_id != disbursed.officer_id and decision.details["votes"]["approve"] >= 2
    finally:
        await truncate_all(settings.database_url, settings.redis_url)


async def test_the_demo_book_has_every_stage_bucket_and_a_history(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    try:
        await seed_demo(settings, tmp_path / "key.json", book_loans=SMALL_BOOK, progress=lambda _: None)
        today = settings.business_date(datetime.now(UTC))
        async with engine.connect() as connection:
            stages = set((await connection.execute(text("SELECT DISTINCT status FROM applications"))).scalars())
            buckets = set(
                (
                    await connection.execute(text("SELECT DISTINCT arrears_bucket FROM loans WHERE status = 'active'"))
                ).scalars()
            )
            statuses: dict[str, int] = dict(  # type: ignore[arg-type]
                (await connection.execute(text("SELECT status, count(*) FROM loans GROUP BY status"))).all()
            )
            first_loan, last_loan = (
                await connection.execute(text("SELECT min(disbursed_on), max(disbursed_on) FROM loans"))
            ).one()
            history_days, first_figures = (
                await connection.execute(
                    text("SELECT count(DISTINCT business_date), min(business_date) FROM portfolio_daily")
                )
            ).one()
            partners = await connection.scalar(text("SELECT count(DISTINCT partner_id) FROM referrals"))
            sessions = (await connection.execute(text("SELECT starts_on FROM training_sessions"))).scalars().all()
            completed = await connection.scalar(text("SELECT count(*) FROM enrolments WHERE status = 'completed'"))
            mentors = await connection.scalar(
                text("SELECT count(*) FROM follow_up_contacts WHERE mentor_name IS NOT NULL AND contacted_on IS NULL")
            )
            contacts_done = await connection.scalar(
                text("SELECT count(*) FROM follow_up_contacts WHERE contacted_on IS NOT NULL")
            )
        assert {s.value for s in Status} - stages <= {"withdrawn", "offer_expired", "partly_disbursed"}
        assert buckets == {"current", "1-30", "31-60", "61-90", "over 90"}
        assert statuses["written_off"] == 1 and statuses["closed"] >= 1 and statuses["active"] > SMALL_BOOK // 2
        assert (today - first_loan).days > 600 and (today - last_loan).days < 60  # two years of payouts
        # The close of business ran for past days (a week apart, then every day): charts have a history.
        assert history_days > 80 and (today - first_figures).days > 600
        assert partners == 2 and completed and mentors and contacts_done
        assert min(sessions) < today < max(sessions)  # a session over and one coming
        async with uow_factory() as uow:
            officer = await uow.staff_users.by_username("officer")
        assert officer is not None
        agenda = await officer_agenda(officer.id, today, uow=uow_factory())
        assert agenda.contacts[AgendaStatus.OVERDUE] and agenda.contacts[AgendaStatus.DUE]
        # The past contacts are done, as officers do, but the last week's and a few forgotten ones:
        # a handful overdue, not every contact of every loan whose first one was skipped.
        assert len(agenda.contacts[AgendaStatus.OVERDUE]) <= 6
    finally:
        await truncate_all(settings.database_url, settings.redis_url)


async def works(secret: str, uow_factory: SqlUnitOfWorkFactory) -> bool:
    return await authenticate_api_key(secret, uow=uow_factory()) is not None


async def test_every_start_gives_the_same_working_partner_key(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    key_file = tmp_path / "demo-partner-key.json"
    try:
        first = await seed_demo(settings, key_file, book_loans=0)
        second = await seed_demo(settings, key_file, book_loans=0)
        assert first == second and await works(second, uow_factory)
        assert key_file.stat().st_mode & 0o077 == 0  # the owner's only
        # A lost file or a key revoked by hand: the next start makes a new key that works.
        key_file.unlink()
        third = await seed_demo(settings, key_file, book_loans=0)
        assert third != first and await works(third, uow_factory)
        kept = read_demo_key(key_file)
        assert kept is not None
        key = await authenticate_api_key(third, uow=uow_factory())
        assert key is not None and key.partner_id == kept.partner_id
    finally:
        await truncate_all(settings.database_url, settings.redis_url)


async def test_no_demo_data_in_production(servers: RunningServers, tmp_path: Path) -> None:
    production = make_settings(servers, APP_ENV="production", SECRET_KEY="x" * 40)
    with pytest.raises(SettingsError):
        await seed_demo(production, tmp_path / "key.json")
    assert not (tmp_path / "key.json").exists()


def test_the_start_banner_names_the_urls_sign_ins_key_and_where_codes_appear() -> None:
    text = Banner("http://127.0.0.1:8000", "mc_abc_secret").text()
    assert "http://127.0.0.1:8000/schema/swagger" in text and "http://127.0.0.1:8000/v1" in text
    assert "http://127.0.0.1:8000/ui/" in text
    assert "X-API-Key: mc_abc_secret" in text
    for username, _, _ in DEMO_STAFF:
        assert username in text and demo_password(username) in text
    assert "borrower_login_code_issued" in text


def test_the_banner_and_the_seed_line_name_every_sign_in_and_the_demo_files() -> None:
    texts = [Banner("http://127.0.0.1:8000", "mc_abc_secret").text(), seed_summary("mc_abc_secret")]
    for shown in texts:
        for username, _, _ in DEMO_STAFF:
            assert username in shown
        for full_name, _ in DEMO_FILES:
            assert full_name in shown
    assert "mc_abc_secret" in texts[1]
