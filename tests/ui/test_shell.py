"""The pages' shell: sign-in, the session cookie, CSRF, sign-out, expiry, language, caching."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_staff
from tests.ui.pages import csrf_of, post_form, sign_in_page


async def test_anonymous_is_sent_to_sign_in_and_root_leads_to_the_pages(client: AsyncTestClient[Litestar]) -> None:
    root = await client.get("/", follow_redirects=False)
    assert root.status_code == 302 and root.headers["location"] == "/ui/"
    page = await client.get("/ui/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=/ui")
    login = await client.get("/login")
    assert login.status_code == 200 and 'lang="fr"' in login.text and "Connexion" in login.text


async def test_sign_in_sets_a_protected_cookie_and_opens_the_dashboard(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    response = await sign_in_page(client, "officer")
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    dashboard = await client.get("/ui/")
    assert dashboard.status_code == 200 and "Tableau de bord" in dashboard.text
    assert dashboard.headers["cache-control"] == "no-store"
    assert "script-src" not in dashboard.headers["content-security-policy"]  # no inline script allowed


async def test_signing_in_gives_the_session_a_new_id(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await client.get("/login")
    before = client.cookies["mc_session"]
    await sign_in_page(client, "officer")
    after = client.cookies["mc_session"]
    assert after != before and (await client.get("/ui/")).status_code == 200
    client.cookies.clear()
    planted = await client.get("/ui/", headers={"cookie": f"mc_session={before}"}, follow_redirects=False)
    assert planted.status_code == 303  # the id known before the sign-in opens nothing


async def test_a_wrong_password_keeps_the_username_and_says_why(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    response = await sign_in_page(client, "officer", "not-the-password")
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.text and 'value="officer"' in response.text
    assert "not-the-password" not in response.text
    assert (await client.get("/ui/", follow_redirects=False)).status_code == 303


async def test_a_form_without_the_session_token_is_refused(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await client.get("/login")
    forged = await client.post("/login", data={"_csrf": "forged", "username": "officer", "password": "x"})
    assert forged.status_code == 403
    await sign_in_page(client, "officer")
    out = await client.post("/ui/sign-out", data={}, follow_redirects=False)
    assert out.status_code == 403
    assert (await client.get("/ui/")).status_code == 200  # still signed in


async def test_sign_out_and_expiry_say_so_on_the_sign_in_page(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_page(client, "officer")
    out = await post_form(client, "/ui/", "/ui/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/login?reason=signed-out"
    assert "Vous êtes déconnecté" in (await client.get(out.headers["location"])).text
    assert (await client.get("/ui/", follow_redirects=False)).status_code == 303
    await sign_in_page(client, "officer")
    redis = Redis.from_url(settings.redis_url)  # the idle timeout passes: the store forgets the session
    await redis.delete(*await redis.keys("ui-session*"))
    await redis.aclose()
    expired = await client.get("/ui/", follow_redirects=False)
    assert expired.headers["location"].startswith("/login?reason=expired")
    assert "Votre session a expiré" in (await client.get(expired.headers["location"])).text


async def test_deactivating_a_user_ends_their_session(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, admin: Caller
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_page(client, "officer")
    assert (await client.get("/ui/")).status_code == 200
    patched = await client.patch(
        f"/v1/staff-users/{officer.id}", headers=admin.headers, json={"version": 1, "active": False}
    )
    assert patched.status_code == 200, patched.text
    assert (await client.get("/ui/", follow_redirects=False)).headers["location"].startswith("/login?reason=expired")


async def test_the_language_switch_is_kept_in_the_session(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    login = await client.get("/login")
    switched = await client.post(
        "/language", data={"_csrf": csrf_of(login.text), "lang": "en", "next": "/login"}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    assert "Sign in" in (await client.get("/login")).text
    await sign_in_page(client, "officer")
    page = await client.get("/ui/")
    assert 'lang="en"' in page.text and "Dashboard" in page.text
    elsewhere = await post_form(client, "/ui/", "/language", lang="fr", next="https://evil.example/")
    assert elsewhere.headers["location"] == "/ui/"  # never sent to another site


async def test_a_page_shown_after_a_refused_form_switches_language_back_to_where_the_form_was(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "manager", "admin")
    await sign_in_page(client, "manager")
    form = {"_csrf": csrf_of((await client.get("/ui/training")).text), "name": "", "duration_days": "2"}
    refused = await client.post(
        "/ui/training/programmes", data=form, headers={"Referer": "http://testserver.local/ui/training"}
    )
    assert refused.status_code == 422, refused.text
    assert 'name="next" value="/ui/training"' in refused.text  # not the post's address, which has no page
    elsewhere = await client.post("/ui/training/programmes", data=form, headers={"Referer": "https://evil.example/x"})
    assert 'name="next" value="/ui/"' in elsewhere.text


async def test_a_bearer_token_opens_no_page(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    response = await client.get("/ui/", headers=officer.headers, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
