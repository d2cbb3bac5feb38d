"""Guards: which kinds of caller and which staff roles may call a route.

Every route is authenticated (``service.identity.http.authentication``) unless its handler sets
``exclude_from_auth=True``. Object-level checks (a partner sees only its own records) are done in
the handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from domain.identity.model import Principal, PrincipalKind, Role

AuthedRequest = Request[Principal, None, State]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


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


OFFICERS = (Role.ADMIN, Role.LOAN_OFFICER)
