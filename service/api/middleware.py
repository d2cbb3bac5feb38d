"""Request id and request log line (outermost ASGI layer), and the JSON media-type check.

The request id is taken from a well-formed ``X-Request-ID`` header or made up, bound to every
log line of the request, stored in the scope for problem responses, and echoed in the response.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableScopeHeaders.from_message(message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if not path.startswith("/health/"):
                log.info(
                    "request_finished",
                    method=scope.get("method"),
                    path=path,
                    status=status["code"],
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: a body sent as anything but JSON is a 415, before anyone parses it.

    Reads the raw ASGI headers: building Litestar's header mapping costs more than the check.
    """
    if b"%00" in request.scope.get("query_string", b"") or "\x00" in request.scope.get("path", ""):
        raise HTTPException(status_code=400, detail="NUL characters are not accepted")
    if request.method not in _BODY_METHODS:
        return
    content_type, has_body = None, False
    for key, value in request.scope["headers"]:
        if key == b"content-type":
            content_type = value.decode("latin-1")
        elif (key == b"content-length" and value != b"0") or key == b"transfer-encoding":
            has_body = True
    if has_body and not is_json_media_type(content_type):
        raise HTTPException(status_code=415, detail="send the body as application/json")
    # PostgreSQL stores no NUL character in text; refuse it here rather than fail on the way in.
    if has_body and b"\\u0000" in await request.body():
        raise HTTPException(status_code=400, detail="NUL characters are not accepted")


def rate_limit_hook(limiter: str, message: str) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A ``before_request`` hook counting each call per client address with ``Services.<limiter>``,
    before the body is parsed. A hook rather than a guard: Litestar copies the handler for every
    guard call, which costs more than the check on hot public routes. It replaces the app's hook,
    so it runs that one too."""

    async def hook(request: Request[Any, Any, Any]) -> None:
        await require_json_body(request)
        client = request.client.host if request.client else "unknown"
        wait = await getattr(request.app.state.services, limiter).hit(client)
        if wait is not None:
            raise HTTPException(status_code=429, detail=message, headers={"Retry-After": str(wait)})

    return hook
