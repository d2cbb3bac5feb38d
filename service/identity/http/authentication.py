"""Authentication middleware.

Staff and borrowers present ``Authorization: Bearer <token>``; partners present ``X-API-Key``.
Every route is authenticated unless its handler sets ``exclude_from_auth=True``; the guards in
``service.kernel.http.guards`` say who may call it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.identity.model import Principal
from service.identity.handlers import authenticate_api_key, authenticate_token
from service.services import Services


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
