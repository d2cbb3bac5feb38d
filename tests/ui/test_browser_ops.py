"""Journeys in a real browser through the operations pages: complete a training (attendance and
completion), disburse, record a repayment after seeing how it is allocated, record a follow-up
outcome, create and revoke a partner key. Every page visited is screenshotted
(build/ui-artifacts/<journey>/) and checked with axe-core (tests/ui/browser.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from playwright.sync_api import Browser, Page

from domain.servicing import ServicingTerms
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.settings import load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import PASSWORD, Caller, lender_today
from tests.loans import make_loan
from tests.origination.test_scenario import approved_application, staff
from tests.products.test_http import create as create_product
from tests.servers import RunningServers
from tests.ui.browser import Journey, run_aside
from tests.ui.conftest import LIVE_ADMIN

TODAY = lender_today()


async def _admin(client: httpx.AsyncClient) -> Caller:
    answer = await client.post("/v1/auth/token", json={"username": LIVE_ADMIN[0], "password": LIVE_ADMIN[1]})
    return Caller("admin", {"Authorization": f"Bearer {answer.json()['access_token']}"})


def signed_contract(base_url: str) -> dict[str, Any]:
    """Through the API: an application approved at committee, its offer issued and signed today."""

    async def prepare() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=base_url) as client:
            admin = await _admin(client)
            member = await staff(client, admin, "member", "committee_member")  # type: ignore[arg-type]
            url, app = await approved_application(client, admin, member, amount="6000.00")  # type: ignore[arg-type]
            for path, body in (
                ("offer", {"disbursement_date": TODAY.isoformat()}),
                ("signature", {"signed_on": TODAY.isoformat()}),
            ):
                answer = await client.post(
                    f"{url}/{path}", headers=admin.headers, json={"version": app["version"], **body}
                )
                assert answer.status_code == 200, answer.text
                app = answer.json()
            return app

    return run_aside(prepare())


def a_session_under_way(base_url: str) -> dict[str, Any]:
    """Through the API: an officer, a two-day session that started yesterday, a person to enrol."""

    async def prepare() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=base_url) as client:
            admin = await _admin(client)
            officer = await staff(client, admin, "trainer-officer", "loan_officer")  # type: ignore[arg-type]
            programme = (
                await client.post(
                    "/v1/training-programmes",
                    headers=officer.headers,
                    json={"name": "Créer son entreprise", "provider_name": "BGE Paris", "duration_days": 2},
                )
            ).json()
            starts = TODAY - timedelta(days=1)
            session = (
                await client.post(
                    "/v1/training-sessions",
                    headers=officer.headers,
                    json={
                        "programme_id": programme["id"],
                        "starts_on": starts.isoformat(),
                        "ends_on": TODAY.isoformat(),
                        "capacity": 10,
                        "trainer": "Nadia Ferhat",
                        "location": "Paris 11e",
                    },
                )
            ).json()
            person = {"full_name": "Karim Traoré", "email": "karim@example.org", "situation": "job_seeker"}
            applicant = await client.post("/v1/applicants", headers=officer.headers, json=person)
            assert applicant.status_code == 201, applicant.text
            return {"session": session, "starts": starts}

    return run_aside(prepare())


def test_a_training_is_completed_with_its_attendance_sheets(browser: Browser, live: str) -> None:
    prepared = a_session_under_way(live)
    journey = Journey(browser.new_page(), "training-completion")
    page = journey.page
    journey.sign_in(live, "trainer-officer", PASSWORD)
    page.click("nav >> text=Formations")
    journey.visit("training")
    page.click(f"a[href='/ui/training/sessions/{prepared['session']['id']}']")
    journey.visit("session")
    page.fill("#q", "traore")
    page.click("form[role=search] button[type=submit]")
    journey.visit("search")
    page.click("button:has-text('Karim Traoré')")
    journey.visit("enrolled")
    for day in (prepared["starts"], TODAY):
        page.click(f"a[href$='/attendance/{day.isoformat()}']")
        journey.visit(f"sheet-{day.isoformat()}")
        assert page.is_checked("input[name=present]")  # the enrolled are ticked present by default
        if day == prepared["starts"]:  # nothing recorded yet: the note follows the name, not over it
            _the_note_sits_beside_the_checkbox(page)
        page.click("button:has-text('Enregistrer la feuille')")
        journey.visit(f"sheet-saved-{day.isoformat()}")
    page.click("button:has-text('Valider la formation')")
    journey.visit("completed")
    assert "formation validée" in page.inner_text("main")


def _the_note_sits_beside_the_checkbox(page: Page) -> None:
    """ "(pas encore saisi)" on the name's line, right of the box (Pico's input + small rule once
    drew it as a block pulled up over the name)."""
    box = page.locator("input[name=present]").first.bounding_box()
    note = page.locator("fieldset label small").first.bounding_box()
    assert box is not None and note is not None
    assert note["x"] > box["x"] + box["width"], (box, note)


def a_loan_in_arrears(database_url: str) -> None:
    """A loan paid out 70 days ago and never repaid (two instalments late), officer: the live admin."""

    async def make() -> None:
        engine = create_engine(load_settings({"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}))
        try:
            uow_factory = SqlUnitOfWorkFactory(create_sessionmaker(engine))
            async with uow_factory() as uow:
                admin = await uow.staff_users.by_username(LIVE_ADMIN[0])
            assert admin is not None
            await make_loan(
                uow_factory,
                officer_id=admin.id,
                disbursed_on=TODAY - timedelta(days=70),
                borrower_name="Inès Morel",
                servicing=ServicingTerms(currency="EUR", late_fee=Decimal("15.00"), penalty_annual_rate=Decimal("10")),
            )
        finally:
            await engine.dispose()

    run_aside(make())


def test_disburse_repay_after_the_allocation_and_record_a_follow_up(
    browser: Browser, live: str, servers: RunningServers
) -> None:
    application = signed_contract(live)
    a_loan_in_arrears(servers.database_url)
    journey = Journey(browser.new_page(), "disburse-repay-follow-up")
    page = journey.page
    journey.sign_in(live, LIVE_ADMIN[0], LIVE_ADMIN[1])
    page.goto(f"{live}/ui/applications/{application['id']}")
    journey.visit("contract-signed")
    page.click("form[action$='/disbursement'] button[type=submit]")
    journey.visit("disbursed")
    assert "décaissé" in page.inner_text("main")
    page.click("main a[href^='/ui/loans/']")
    journey.visit("loan")
    assert "Échéancier" in page.inner_text("main")

    page.fill("form[action$='/outcome'] #f-jobs_created", "2")
    page.select_option("#f-business_status", "active")
    page.select_option("#f-revenue_band", "10k_to_30k")
    page.click("button:has-text('Enregistrer le compte rendu')")
    journey.visit("follow-up-recorded")
    assert "en activité" in page.inner_text("main")

    page.click("nav >> text=Prêts")
    journey.visit("loans")
    page.fill("#q-borrower_name", "ines")
    page.click("form.filters button[type=submit]")
    journey.visit("loans-found")
    page.click("text=Inès Morel")
    journey.visit("loan-in-arrears")
    page.fill("#f-amount", "300,00")
    page.select_option("#f-channel", "cash")
    page.click("button:has-text('Voir la répartition')")
    journey.visit("repayment-allocation")
    shown = page.inner_text("form[action$='/payments'] >> xpath=..")
    assert "pénalités" in shown and "intérêts" in shown and "capital" in shown  # how 300 € would be allocated
    page.click("button:has-text('Confirmer et enregistrer ce paiement')")
    journey.visit("repayment-recorded")
    assert "espèces" in page.inner_text("main")  # the payment, by cash, among the transactions


def test_a_partner_key_is_created_shown_once_and_revoked(browser: Browser, live: str) -> None:
    journey = Journey(browser.new_page(), "partner-key")
    page = journey.page
    journey.sign_in(live, LIVE_ADMIN[0], LIVE_ADMIN[1])
    page.click("nav >> text=Administration")
    journey.visit("admin")
    page.click("text=Partenaires et clés d'API")
    journey.visit("partners")
    page.fill("#f-name", "Mission Locale Est")
    page.select_option("#f-kind", "youth_mission")
    page.click("button:has-text('Créer')")
    journey.visit("partner")
    page.fill("#f-label", "CRM du partenaire")
    page.click("button:has-text('Créer la clé')")
    journey.visit("key-created")
    secret = page.input_value("#new-secret")
    assert secret.startswith("mck_")
    works = run_aside(_me(live, secret))
    assert works == 200
    page.reload()
    journey.visit("key-no-longer-shown")
    assert page.locator("#new-secret").count() == 0
    page.click("button:has-text('Révoquer')")
    journey.visit("key-revoked")
    assert "révoquée" in page.inner_text("main")
    assert run_aside(_me(live, secret)) == 401


async def _me(base_url: str, secret: str) -> int:
    async with httpx.AsyncClient(base_url=base_url) as client:
        return (await client.get("/v1/auth/me", headers={"X-API-Key": secret})).status_code


def test_every_administration_page_passes_axe(browser: Browser, live: str) -> None:
    """The pages no journey above goes through, in both languages: screenshotted and checked too."""

    async def a_product() -> str:
        async with httpx.AsyncClient(base_url=live) as client:
            product = await create_product(client, await _admin(client), "AXE-PAGES")  # type: ignore[arg-type]
            return str(product["id"])

    product_id = run_aside(a_product())
    journey = Journey(browser.new_page(), "administration-pages")
    page = journey.page
    journey.sign_in(live, LIVE_ADMIN[0], LIVE_ADMIN[1])
    paths = ("/ui/admin/staff", "/ui/admin/products", f"/ui/admin/products/{product_id}", "/ui/admin/legal")
    for language in ("fr", "en"):
        if language == "en":
            page.click("form[action='/language'] button[value=en]")
        for path in (*paths, "/ui/admin/notices", "/ui/loans?borrower_name=nobody-at-all"):
            page.goto(f"{live}{path}")
            journey.visit(f"{language}-{path}")
    assert "No loan matches." in page.inner_text("main")  # the last page, in English
