"""Rendering a page: the context every template gets, redirects after a post, and the pages shown
for errors (a sign-in redirect for a missing or expired session, an HTML page otherwise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from domain.errors import DomainError, NotFound
from domain.identity.model import Principal, Role
from service.kernel.http import messages
from service.ui import i18n
from service.ui.session import EXPIRED, csrf_token, session_data

log = structlog.get_logger()
TEMPLATES = Path(__file__).parent / "templates"
UI = "/ui"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=TEMPLATES,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: i18n.install(engine.engine),
    )


def page_language(request: Request[Any, Any, Any]) -> messages.Language:
    return i18n.language(session_data(request).get("lang"))


def signed_in(request: Request[Any, Any, Any]) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def page(request: Request[Any, Any, Any], template: str, *, status: int = 200, **context: Any) -> Template:
    """``template`` rendered with what every page shows: the language, the signed-in user and their
    roles, the form token, the current path (for the language switch to come back to)."""
    principal = signed_in(request)
    roles = {r.value for r in principal.roles} if principal else set()
    return Template(
        template_name=template,
        status_code=status,
        context={
            "lang": page_language(request),
            "zone": request.app.state.services.settings.lender_zone,  # moments at the lender's clock
            "user": principal,
            "username": session_data(request).get("username"),
            "roles": roles,
            "is_officer": bool(roles & {Role.ADMIN.value, Role.LOAN_OFFICER.value}),
            "is_admin": Role.ADMIN.value in roles,
            "csrf": csrf_token(request),
            "path": page_address(request),
            **context,
        },
    )


def page_address(request: Request[Any, Any, Any]) -> str:
    """The page the browser shows, for the language switch to come back to. A page rendered by a
    form's post (a refusal) is at the post's address, which cannot be opened: the page the form was
    on (its Referer, if ours) is."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.path and referer.netloc in ("", request.url.netloc):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return UI + "/"


def see_other(path: str) -> Redirect:
    """After a post: the browser loads ``path`` with a GET, so a reload never posts twice."""
    return Redirect(path=path, status_code=303)


def to_sign_in(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    reason = f"reason={EXPIRED}&" if exc.detail == EXPIRED else ""
    target = request.url.path if request.method == "GET" else UI + "/"
    return Redirect(path=f"/login?{reason}next={quote(target)}", status_code=303)


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    lang = page_language(request)
    if isinstance(exc, DomainError):
        status = 404 if isinstance(exc, NotFound) else 409 if exc.code.startswith("conflict") else 422
        detail = messages.text(exc.code, exc.message, lang)
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        detail = messages.text(None, exc.detail, lang) if status < 500 else ""
    else:
        status, detail = 500, ""
    if status >= 500:
        route = str(request.scope.get("path_template"))
        log.error("page_failed", error_type=type(exc).__name__, path=route, exc_info=exc)
    return page(
        request,
        "error.html",
        status=status,
        status_code=status,
        detail=detail,
        request_id=request.scope.get("state", {}).get("request_id"),
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: to_sign_in,
    HTTPException: error_page,
    DomainError: error_page,
    Exception: error_page,
}
