"""Journeys in a real browser against the running service: sign in, open a file from the dashboard,
submit it, vote and decide at committee, issue the offer and download the contract. Every page
visited is screenshotted (build/ui-artifacts/) and checked with axe-core."""

from __future__ import annotations

from typing import Any

import httpx
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


def test_an_application_from_the_dashboard_to_the_contract(browser: Browser, live: str) -> None:
    application = prepared(live)
    context = browser.new_context(accept_downloads=True)
    journey = Journey(context.new_page(), "application-to-contract")
    page = journey.page

    page.goto(f"{live}/")
    assert "/login" in page.url  # anonymous: to the sign-in page
    journey.sign_in(live, "officer", PASSWORD)
    page.click("text=Nadia Benali")
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
    context.close()
