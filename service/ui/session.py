"""Who is signed in to the pages: a server-side session in Redis behind an HttpOnly, SameSite=Lax
cookie (Secure outside development and tests, which run on plain http on the loopback), a CSRF token
per session checked on every form, and the same staff roles and token version as the API.

The session holds the staff member's id, roles and token version (checked on every page like an
API token's, so deactivating a user or changing their roles ends their session), the CSRF token
and the language. It ends after ``UI_SESSION_MINUTES`` without a page opened.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.redis import RedisStore

from domain.identity.model import Principal, PrincipalKind, Role
from service.kernel.http.middleware import NUL_REFUSED, refuse_nul_in_address
from service.services import Services
from service.settings import Settings

SESSION_COOKIE = "mc_session"
SESSION_STORE = "ui_sessions"
CSRF_FIELD = "_csrf"
# Why the sign-in page is shown: the reason travels as a word in its query string.
EXPIRED, SIGNED_OUT = "expired", "signed-out"


_NEW_ID = "ui_session_new_id"


class RenewedIdSessionBackend(ServerSideSessionBackend):
    """Litestar's Redis-backed sessions, except that signing in stores the session under a new id:
    an id someone planted or read before the sign-in never names a signed-in session."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(_NEW_ID) is True:
            state[_NEW_ID] = self.generate_session_id()
        renewed = state.get(_NEW_ID)
        return renewed if isinstance(renewed, str) else super().get_session_id(connection)


class RenewedIdSessionConfig(ServerSideSessionConfig):
    _backend_class = RenewedIdSessionBackend


def session_config(settings: Settings) -> ServerSideSessionConfig:
    return RenewedIdSessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        max_age=settings.ui_session_minutes * 60,
        renew_on_access=True,  # an idle timeout, not a fixed one
        secure=settings.environment not in ("development", "test"),
        httponly=True,
        samesite="lax",
    )


def session_store(settings: Settings) -> RedisStore:
    return RedisStore.with_client(url=settings.redis_url, namespace="ui-session")


def session_data(connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The session's data (empty when there is none yet, or once it ended)."""
    data = connection.scope.get("session")
    return data if isinstance(data, dict) else {}


def csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The session's CSRF token, made on first use (the sign-in form needs one before anyone signs in)."""
    token = session_data(connection).get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        connection.set_session({**session_data(connection), "csrf": token})
    return str(token)


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of every page: a NUL character in the address or a posted form is a 400,
    and a form posted without this session's token is refused."""
    refuse_nul_in_address(request)  # the API's rule at this door too (the router's hook replaces the app's)
    if request.method != "POST":
        return
    form = await request.form()
    if any("\x00" in str(value) for _, value in form.multi_items()):
        raise HTTPException(status_code=400, detail=NUL_REFUSED)
    given = str(form.get(CSRF_FIELD) or "")
    expected = str(session_data(request).get("csrf") or "")
    if not expected or not hmac.compare_digest(given, expected):
        raise PermissionDeniedException("stale or forged form")


def start_session(request: Request[Any, Any, Any], principal: Principal, username: str) -> None:
    """Signed in: the session names the staff member, and its CSRF token changes."""
    kept = session_data(request)
    request.scope.setdefault("state", {})[_NEW_ID] = True  # type: ignore[typeddict-item]
    request.set_session(
        {
            "staff": str(principal.subject_id),
            "roles": sorted(r.value for r in principal.roles),
            "tv": principal.token_version,
            "username": username,
            "lang": kept.get("lang", "fr"),
            "csrf": secrets.token_urlsafe(32),
        }
    )


def end_session(request: Request[Any, Any, Any]) -> None:
    """Signed out: only the language choice stays."""
    lang = session_data(request).get("lang", "fr")
    request.set_session({"lang": lang, "csrf": secrets.token_urlsafe(32)})


async def _expired(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """A session cookie came back but the store no longer holds its session: it timed out. (A
    visitor who never signed in has a session too, an empty one, still in the store.)"""
    session_id = connection.cookies.get(SESSION_COOKIE)
    if session_id in (None, "", "null"):  # the middleware answers an ended session with "null"
        return False
    return not await connection.app.stores.get(SESSION_STORE).exists(str(session_id))


class SessionAuthentication(AbstractAuthenticationMiddleware):
    """The pages' caller: the staff member of the session. A bearer token or an API key opens no
    page; a session whose cookie came back but whose data is gone (idle too long) or whose user's
    token version moved on is an expired one."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        data = session_data(connection)
        if "staff" not in data:
            raise NotAuthorizedException(EXPIRED if await _expired(connection) else "anonymous")
        principal = Principal(
            PrincipalKind.STAFF,
            uuid.UUID(data["staff"]),
            frozenset(Role(r) for r in data["roles"]),
            token_version=int(data["tv"]),
        )
        services: Services = connection.app.state.services
        if await services.staff_token_versions.current(principal.subject_id) != principal.token_version:
            connection.set_session({"lang": data.get("lang", "fr")})
            raise NotAuthorizedException(EXPIRED)
        return AuthenticationResult(user=principal, auth=data)
