"""Journeys in a real browser against the running service: sign in, open a file from the dashboard,
submit it, vote and decide at committee, issue the offer and download the contract. Every page
visited is screenshotted (build/ui-artifacts/) and checked with axe-core."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from tests.conftest import PASSWORD, Caller
from tests.origination.test_scenario import open_application, staff
from tests.products.test_http import create as create_product
from tests.ui.browser import Journey, run_aside
from tests.ui.conftest import LIVE_ADMIN

NADIA = {"full_name": "Nadia Benali", "phone": "0611223344", "situation": "job_seeker"}


def prepared(base_url: str) -> dict[str, Any]:
    """Through the API: an officer, two committee members, a product and Nadia's draft application."""

    async def prepare() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=base_url) as client:
            token = (
                await client.post("/v1/auth/token", json={"username": LIVE_ADMIN[0], "password": LIVE_ADMIN[1]})
            ).json()["access_token"]
            admin = Caller("admin", {"Authorization": f"Bearer {token}"})
            officer = await staff(client, admin, "officer", "loan_officer")  # type: ignore[arg-type]
            for member in ("member-one", "member-two"):
                await staff(client, admin, member, "committee_member")  # type: ignore[arg-type]
            product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")  # type: ignore[arg-type]
            _, application, _ = await open_application(
                client,  # type: ignore[arg-type]
                officer,
                product["id"],
                NADIA,
                amount="4000.00",
                installments=18,
            )
            return application

    return run_aside(prepare())


@pytest.fixture(scope="module")
def book(live: str) -> dict[str, Any]:
    return prepared(live)


def test_an_application_from_the_dashboard_to_the_contract(browser: Browser, live: str, book: dict[str, Any]) -> None:
    application = book
    context = browser.new_context(accept_downloads=True)
    journey = Journey(context.new_page(), "application-to-contract")
    page = journey.page

    page.goto(f"{live}/")
    assert "/login" in page.url  # anonymous: to the sign-in page
    journey.sign_in(live, "officer", PASSWORD)
    page.click("nav >> text=Personnes")
    journey.visit("people")
    page.fill("#f-q", "benali nadia")  # any word order, any case; the results follow the typing (htmx)
    page.wait_for_selector("#results >> text=Nadia Benali")
    assert "q=benali" in page.url
    journey.visit("people-found")
    page.click("main >> text=Nadia Benali")
    journey.visit("person")
    page.click("a[href^='/ui/applications/']")
    journey.visit("application-draft")
    for button in ("Déposer le dossier", "Commencer l'instruction", "Transmettre au comité"):
        page.click(f'button:has-text("{button}")')
        journey.visit(f"after-{button}")
    assert "au comité" in page.inner_text("main")
    journey.sign_out()

    for member in ("member-one", "member-two"):
        journey.sign_in(live, member, PASSWORD)
        page.goto(f"{live}/ui/applications/{application['id']}")
        page.check("input[name=vote][value=approve]")
        page.fill("form[action$='/vote'] textarea[name=comment]", "Projet solide")
        page.click("form[action$='/vote'] button[type=submit]")
        journey.visit(f"voted-{member}")
        if member == "member-two":
            page.select_option("#f-decision", "approve")
            page.fill("form[action$='/decision'] textarea[name=comment]", "Accordé")
            page.click("form[action$='/decision'] button[type=submit]")
            journey.visit("decided")
            assert "accordé" in page.inner_text("main")
        journey.sign_out()

    journey.sign_in(live, "officer", PASSWORD)
    page.goto(f"{live}/ui/applications/{application['id']}")
    page.click("form[action$='/offer'] button[type=submit]")
    journey.visit("offer-issued")
    assert "TAEG" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("a[href$='contract.pdf']")
    path = download.value.path()
    assert path is not None and path.read_bytes().startswith(b"%PDF")
    journey.sign_out()

    journey.sign_in(live, LIVE_ADMIN[0], LIVE_ADMIN[1])  # a manager reads who voted and who decided
    page.goto(f"{live}/ui/applications/{application['id']}")
    journey.visit("application-history")
    votes = page.locator("section[aria-labelledby=votes-title]").inner_text()
    assert "Test member-one" in votes and "Test member-two" in votes and "Projet solide" in votes
    history = page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Accordé par le comité" in history and "Test member-two" in history and "Test officer" in history
    context.close()


def test_the_other_pages_in_both_languages(browser: Browser, live: str, book: dict[str, Any]) -> None:
    """The quote form, the pipeline and a manager's dashboard with its charts, in French then English."""
    context = browser.new_context()
    journey = Journey(context.new_page(), "quote-pipeline-charts")
    page = journey.page
    journey.sign_in(live, LIVE_ADMIN[0], LIVE_ADMIN[1])
    assert page.locator("canvas[data-chart]").count() == 3  # outstanding and PAR30, pipeline, survival
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]')[0].height > 0")
    page.click("nav >> text=Simulation")
    journey.visit("quote")
    page.select_option("#f-product_id", index=1)
    page.fill("#f-amount", "5 000,00")
    page.fill("#f-installments", "24")
    page.click("main form button[type=submit]")
    journey.visit("quote-computed")
    assert "TAEG" in page.inner_text("main") and "\xa0%" in page.inner_text("main")
    page.click("nav >> text=Dossiers")
    journey.visit("pipeline")
    page.goto(f"{live}/ui/pipeline?status=draft")
    switch = page.get_by_role("button", name="English")  # one visible button, named in the language it offers
    assert switch.is_visible() and switch.get_attribute("title") == "Afficher les pages en anglais"
    switch.click()
    journey.visit("pipeline-english")
    assert page.url == f"{live}/ui/pipeline?status=draft"  # back on the same page
    assert page.locator("html").get_attribute("lang") == "en" and "Pipeline" in page.inner_text("h1")
    page.click("nav >> text=Dashboard")
    journey.visit("dashboard-english")
    page.get_by_role("button", name="Français").click()
    journey.visit("dashboard-french-again")
    assert page.url.rstrip("/") == f"{live}/ui" and page.locator("html").get_attribute("lang") == "fr"
    assert "Tableau de bord" in page.inner_text("nav")
    context.close()
