"""The audit of reads (issue 15): every staff read of a person's file leaves an append-only record.

A route marks itself with ``opt=audited("applicant")`` (the id is the route's only path parameter,
or the one named by ``id_param``); a UI page does the same with ``route="ui"``. After the route
answered with a 2xx and before the first byte leaves, ``ReadAuditMiddleware`` writes who (the staff
member), when, what (kind + id), the route and the request id through the ``ReadAudit`` port found
in ``app.state.read_audit``. Reads by borrowers and partners are not audited (they read their own).
If the record cannot be written the answer is a 500 (problem+json) instead of the file: a file is
never shown without its record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from litestar import Litestar, Request
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from domain.identity.model import Principal, PrincipalKind
from service.kernel.http.problems import internal_error_handler
from service.kernel.ports import AuditedRead, ReadAudit

OPTION = "audit_read"


@dataclass(frozen=True)
class AuditTarget:
    kind: str
    id_param: str | None
    route: Literal["api", "ui"]


def audited(kind: str, *, id_param: str | None = None, route: Literal["api", "ui"] = "api") -> dict[str, Any]:
    """Route options marking a route as a read of a person's file of this ``kind``."""
    return {OPTION: AuditTarget(kind, id_param, route)}


def _object_id(target: AuditTarget, path_params: dict[str, Any]) -> uuid.UUID:
    if target.id_param is not None:
        value = path_params[target.id_param]
    else:
        (value,) = path_params.values()  # an audited route without a name has exactly one parameter
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class ReadAuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        target = handler.opt.get(OPTION) if handler is not None else None
        if not isinstance(target, AuditTarget):
            await self.app(scope, receive, send)
            return
        app = Litestar.from_scope(scope)
        audit: ReadAudit = app.state.read_audit
        failed = False

        async def send_after_audit(message: Message) -> None:
            nonlocal failed
            if failed:
                return  # the file's body is dropped: the caller got the 500 instead
            # The caller is read when the answer starts: the pages' session middleware, inside the
            # app's middleware, sets it after this one began.
            principal = scope.get("user")
            if (
                message["type"] == "http.response.start"
                and 200 <= message["status"] < 300
                and isinstance(principal, Principal)
                and principal.kind is PrincipalKind.STAFF
            ):
                read = AuditedRead(
                    staff_id=principal.subject_id,
                    at=datetime.now(UTC),
                    object_kind=target.kind,
                    object_id=_object_id(target, scope.get("path_params") or {}),
                    route=target.route,
                    request_id=scope.get("state", {}).get("request_id", ""),
                )
                try:
                    await audit.record(read)
                except Exception as error:  # noqa: BLE001 - any failure: the file is not shown
                    failed = True
                    request: Request[Any, Any, Any] = Request(scope, receive)
                    problem = internal_error_handler(request, error)
                    await problem.to_asgi_response(app, request)(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_after_audit)
