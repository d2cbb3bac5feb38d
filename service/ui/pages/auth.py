"""Signing in and out, and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import NotAuthenticated
from service.identity import handlers as identity
from service.kernel.http.guards import client_address
from service.services import Services
from service.ui.forms import GENERAL, Form
from service.ui.i18n import LANGUAGES, translate
from service.ui.rendering import UI, page, page_language, see_other
from service.ui.session import EXPIRED, SIGNED_OUT, end_session, session_data, start_session

NO_AUTH: dict[str, Any] = {"exclude_from_auth": True}


def _inside(target: str | None) -> str:
    """Where to go after signing in or switching language: a page of ours, never another site."""
    if (
        target
        and (target == UI or target.startswith((UI + "/", "/login")))
        and "//" not in target
        and "\\" not in target
    ):
        return target
    return UI + "/"


@get("/", **NO_AUTH, skip_session=True)
async def root() -> Redirect:
    return Redirect(path=UI + "/", status_code=302)


@get("/login", **NO_AUTH)
async def sign_in_page(request: Request[Any, Any, Any], reason: str | None = None, next: str | None = None) -> Template:
    notice = {EXPIRED: "login.expired", SIGNED_OUT: "login.signed_out"}.get(reason or "")
    return page(request, "login.html", form=Form(), notice=notice, next=_inside(next))


@post("/login", **NO_AUTH, status_code=303)
async def sign_in(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    lang = page_language(request)
    client = client_address(request)
    wait = await services.sign_in_limiter.hit(client)
    try:
        if wait is not None:
            raise identity.SignInBackedOff(wait)
        principal, user = await identity.sign_in_staff(
            form.get("username"),
            form.get("password"),
            client=client,
            uow=services.uow(),
            hasher=services.hasher,
            backoff=services.sign_in_backoff,
        )
    except NotAuthenticated:
        status, form.errors[GENERAL] = 401, translate("login.failed", lang)
    except identity.SignInBackedOff as refusal:
        status, form.errors[GENERAL] = 429, translate("login.backoff", lang, seconds=refusal.wait)
    else:
        start_session(request, principal, user.username)
        return see_other(_inside(form.get("next")))
    form.values.pop("password", None)  # never sent back
    return page(request, "login.html", status=status, form=form, notice=None, next=_inside(form.get("next")))


@post("/ui/sign-out", status_code=303)
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    end_session(request)
    return see_other(f"/login?reason={SIGNED_OUT}")


@post("/language", **NO_AUTH, status_code=303)
async def switch_language(request: Request[Any, Any, Any]) -> Redirect:
    form = await Form.of(request)
    chosen = form.get("lang")
    if chosen in LANGUAGES:
        request.set_session({**session_data(request), "lang": chosen})
    return see_other(_inside(form.get("next")))


ROUTES = [root, sign_in_page, sign_in, sign_out, switch_language]
