"""`make run`'s demo data: it walks the real path (files prepared by the officer, decided by the
committee, paid out), and every start can print sign-ins and a partner key that works."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.origination.applications import Action, Status
from service.identity.handlers import authenticate_api_key
from service.origination.ports import ApplicationFilter
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


async def test_the_demo_has_an_approved_file_and_a_disbursed_loan_decided_by_someone_else(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    try:
        await seed_demo(settings, tmp_path / "key.json")
        await seed_demo(settings, tmp_path / "key.json")  # a second run loads nothing twice
        async with uow_factory() as uow:
            files = await uow.applications.page(ApplicationFilter(), after=None, limit=50)
            by_status = {f.status: f for f in files}
            assert len(files) == 2 and set(by_status) == {Status.APPROVED, Status.DISBURSED}
            disbursed = by_status[Status.DISBURSED]
            loan = await uow.loans.for_application(disbursed.id)
            assert loan is not None and loan.principal == disbursed.amount
            assert all(c.met for c in disbursed.conditions) and disbursed.conditions
            for file in files:
                history = await uow.applications.history(file.id)
                decision = next(h for h in history if h.action is Action.APPROVE)
                assert decision.actor_id != file.officer_id and decision.details["votes"]["approve"] >= 2
            # The demo sign-in is the paid-out file's borrower: the README's borrower journey works.
            borrower = await uow.borrowers.by_email(DEMO_BORROWER_EMAIL)
            assert borrower is not None
            assert list(await uow.servicing.loans_of_borrower(borrower.id)) == [loan.id]
    finally:
        await truncate_all(settings.database_url, settings.redis_url)


async def works(secret: str, uow_factory: SqlUnitOfWorkFactory) -> bool:
    return await authenticate_api_key(secret, uow=uow_factory()) is not None


async def test_every_start_gives_the_same_working_partner_key(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    key_file = tmp_path / "demo-partner-key.json"
    try:
        first = await seed_demo(settings, key_file)
        second = await seed_demo(settings, key_file)
        assert first == second and await works(second, uow_factory)
        assert key_file.stat().st_mode & 0o077 == 0  # the owner's only
        # A lost file or a key revoked by hand: the next start makes a new key that works.
        key_file.unlink()
        third = await seed_demo(settings, key_file)
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
    assert "X-API-Key: mc_abc_secret" in text
    for username, _, _ in DEMO_STAFF:
        assert username in text and demo_password(username) in text
    assert "borrower_login_code_issued" in text


def test_the_banner_and_the_seed_line_name_every_sign_in_and_the_demo_files() -> None:
    texts = [Banner("http://127.0.0.1:8000", "mc_abc_secret").text(), seed_summary("mc_abc_secret")]
    for text in texts:
        for username, _, _ in DEMO_STAFF:
            assert username in text
        for full_name, _ in DEMO_FILES:
            assert full_name in text
    assert "mc_abc_secret" in texts[1]
