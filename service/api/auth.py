"""Authentication middleware and guards.

Staff and borrowers present ``Authorization: Bearer <token>``; partners present ``X-API-Key``.
Every route is authenticated unless its handler sets ``exclude_from_auth=True``; guards say
which kinds of caller and which staff roles may call it. Object-level checks (a partner sees
only its own records) are done in the use cases.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.identity.model import Principal, PrincipalKind, Role
from service.api.dependencies import Services
from service.usecases.identity import authenticate_api_key, authenticate_token

AuthedRequest = Request[Principal, None, State]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        services: Services = connection.app.state.services
        api_key = connection.headers.get("x-api-key")
        authorization = connection.headers.get("authorization", "")
        principal: Principal | None = None
        if api_key:
            principal = await authenticate_api_key(api_key.strip(), uow=services.uow())
        elif authorization.lower().startswith("bearer "):
            principal = await authenticate_token(
                authorization[7:].strip(),
                tokens=services.tokens,
                staff_versions=services.staff_token_versions,
                now=datetime.now(UTC),
            )
        if principal is None:
            raise NotAuthorizedException(
                "missing, invalid or expired credentials", headers={"WWW-Authenticate": "Bearer"}
            )
        return AuthenticationResult(user=principal, auth=None)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The address the limits key on: the peer, or what a trusted proxy said (FORWARDED_ALLOW_IPS)."""
    return connection.client.host if connection.client else "unknown"


def allow(*roles: Role, partners: bool = False, borrowers: bool = False) -> Guard:
    """A guard admitting staff with any of ``roles``, and partners or borrowers when asked."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's automatic OPTIONS answer lists the methods; it is not authenticated
        principal: Principal = connection.user
        if principal.kind is PrincipalKind.STAFF and principal.roles.intersection(roles):
            return
        if principal.kind is PrincipalKind.PARTNER and partners:
            return
        if principal.kind is PrincipalKind.BORROWER and borrowers:
            return
        raise PermissionDeniedException("your role does not allow this action")

    return guard


# Route options for a route anyone may call: no authentication, and the contract says so.
PUBLIC: dict[str, Any] = {"exclude_from_auth": True, "security": [{}]}

ALL_STAFF = (Role.ADMIN, Role.LOAN_OFFICER, Role.COMMITTEE_MEMBER, Role.READ_ONLY)
