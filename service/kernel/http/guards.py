"""Guards: which kinds of caller and which staff roles may call a route.

Every route is authenticated (``service.identity.http.authentication``) unless its handler sets
``exclude_from_auth=True``. Object-level checks (a partner sees only its own records) are done in
the handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Allow:
    """A guard admitting staff with any of ``roles``, and partners or borrowers when asked.

    A value, not a closure: the published contract reads who may call each route from it
    (``callers_of``), so the guards are the one source of that list."""

    roles: tuple[Role, ...]
    partners: bool = False
    borrowers: bool = False

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's automatic OPTIONS answer lists the methods; it is not authenticated
        principal: Principal = connection.user
        if principal.kind is PrincipalKind.STAFF and principal.roles.intersection(self.roles):
            return
        if principal.kind is PrincipalKind.PARTNER and self.partners:
            return
        if principal.kind is PrincipalKind.BORROWER and self.borrowers:
            return
        raise PermissionDeniedException("your role does not allow this action")


def allow(*roles: Role, partners: bool = False, borrowers: bool = False) -> Allow:
    """A guard admitting staff with any of ``roles``, and partners or borrowers when asked."""
    return Allow(roles, partners, borrowers)


# The callers a contract names: "public", a staff role ("staff:admin"), "partner", "borrower".
PUBLIC_CALLER = "public"
PARTNER_CALLER = "partner"
BORROWER_CALLER = "borrower"


def staff_caller(role: Role) -> str:
    return f"staff:{role.value}"


def callers_of(handler: BaseRouteHandler) -> list[str]:
    """Who may call ``handler``, read from its options and guards (every guard must admit a caller)."""
    if handler.opt.get("exclude_from_auth"):
        return [PUBLIC_CALLER]
    everyone = [*(staff_caller(role) for role in Role), PARTNER_CALLER, BORROWER_CALLER]
    admitted = set(everyone)
    for guard in (guard for layer in handler.ownership_layers for guard in layer.guards or ()):
        if not isinstance(guard, Allow):
            raise TypeError(f"{handler} has a guard the contract cannot describe: {guard!r}")
        admitted &= {staff_caller(role) for role in guard.roles}.union(
            {PARTNER_CALLER} if guard.partners else set(), {BORROWER_CALLER} if guard.borrowers else set()
        )
    return [caller for caller in everyone if caller in admitted]


# Route options for a route anyone may call: no authentication, and the contract says so.
PUBLIC: dict[str, Any] = {"exclude_from_auth": True, "security": [{}]}

ALL_STAFF = (Role.ADMIN, Role.LOAN_OFFICER, Role.COMMITTEE_MEMBER, Role.READ_ONLY)


OFFICERS = (Role.ADMIN, Role.LOAN_OFFICER)
