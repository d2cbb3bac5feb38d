"""The one request pipeline (outermost ASGI layer), and the checks every request passes.

``RequestContextMiddleware`` wraps everything the app answers, routed or not, the quote routes'
fast lane included: the request id, the log line, the metrics (per route template) and the
security headers are given here and nowhere else, so that no route can skip them.
(tests/kernel/test_pipeline.py fails when a middleware is added where the fast lane would skip it.)

The request id is taken from a well-formed ``X-Request-ID`` header or made up, bound to every
log line of the request, stored in the scope for problem responses, and echoed in the response.

``require_json_body`` runs before any handler: it refuses a body that is not JSON (415), names
every missing required header and query parameter at once, and decodes the body strictly
against the handler's request Struct. Litestar converts bodies leniently (``strict=False``:
``0`` is read as false, ``"true"`` as true, ``"5"`` as 5) and lets malformed bytes (invalid
UTF-8, JSON nested thousands deep) escape as 500s; the strict decoding here makes all of these
a 400 naming the field before Litestar reads the body.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import structlog
from litestar import Litestar, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.kernel.http.guards import client_address
from service.kernel.http.problems import too_many_requests
from service.kernel.metrics import HTTP_IN_FLIGHT, UNMATCHED_ROUTE, observe_request
from service.kernel.tracing import name_request_span, tag_request_span
from service.logging import REDACTED

log = structlog.get_logger()
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


# One policy for the API's answers and the coming officers' pages: their own scripts, styles and
# images only (vendored, no CDN), no inline script, no framing, no plug-ins. The docs page (Swagger
# UI, under /schema) needs its inline start-up script and styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_PATH = "/schema"
_NO_STORE = (b"cache-control", b"no-store")


def security_headers(*, hsts_max_age: int = 0) -> list[tuple[str, str]]:
    """Headers every response carries. ``no-store``: answers carry personal or financial data
    (loans, schedules, PDFs, calendars, exports), which no cache or browser history may keep."""
    # same-origin: our own pages get the Referer (a page shown after a refused form or a preview
    # switches language back to it), other sites never see our addresses (they carry ids).
    headers = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]
    if hsts_max_age:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))
    return headers


# Path segments that are identifiers, dates or numbers: not personal, useful when reading a log.
_ID_SEGMENT = re.compile(
    r"^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,12})$"
)


def route_segments(litestar: Litestar) -> frozenset[str]:
    """The fixed words of the app's routes ("v1", "loans", "schedule.pdf"), which a log may show."""
    return frozenset(
        segment for route in litestar.routes for segment in route.path.split("/") if segment and "{" not in segment
    )


def loggable_path(path: str, known: frozenset[str]) -> str:
    """``path`` with every segment that is neither a route word nor an identifier redacted: a client
    may put anything in a URL, a person's name included ("/v1/borrowers/Camille Martin")."""
    return "/".join(
        segment if not segment or segment in known or _ID_SEGMENT.match(segment) else REDACTED
        for segment in path.split("/")
    )


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: list[tuple[str, str]] | None = None,
        route_words: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        common = [(name.lower().encode(), value.encode()) for name, value in headers or security_headers()]
        self.api_headers = [*common, (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())]
        self.docs_headers = [*common, (b"content-security-policy", DOCS_CONTENT_SECURITY_POLICY.encode())]
        self.route_words = route_words

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _VALID_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        tag_request_span(request_id)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        added = self.docs_headers if scope.get("path", "").startswith(DOCS_PATH) else self.api_headers
        request_id_header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                name_request_span(str(scope.get("method", "")), scope.get("path_template") or UNMATCHED_ROUTE)
                # Raw header tuples: cheaper than a header mapping on every response.
                headers = list(message.get("headers") or ())
                # The docs' static files set their own caching (they hold no data); nothing else does.
                stored = any(key == b"cache-control" for key, _ in headers)
                headers += [request_id_header, *added] if stored else [request_id_header, *added, _NO_STORE]
                message["headers"] = headers
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - started
            method = str(scope.get("method", ""))
            # Litestar's router (and the fast lane) set the template; a 404 or 405 has none.
            route = scope.get("path_template") or UNMATCHED_ROUTE
            observe_request(method, route, status["code"], elapsed)
            path = scope.get("path", "")
            if not path.startswith("/health/"):
                log.info(
                    "request_finished",
                    method=method,
                    path=loggable_path(path, self.route_words),
                    status=status["code"],
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()


class CreatedLocation:
    """Gives every 201 answer a ``Location``: the created resource's address when the API can show
    it (``GET <path>/<id>``), otherwise the nearest address above it that can (for a payment, the
    loan). Only 201 answers are held back to read their ``id``; they are small."""

    def __init__(self, litestar: Litestar, app: ASGIApp) -> None:
        self.litestar = litestar
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _BODY_METHODS:  # type: ignore[comparison-overlap]
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def send_located(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 201):
                held.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    start, *rest = held
                    body = b"".join(m.get("body", b"") for m in rest)  # type: ignore[misc]
                    if location := self.location(scope["path"], body):
                        MutableScopeHeaders.from_message(start)["Location"] = location  # type: ignore[arg-type]
                    for part in held:
                        await send(part)
                return
            await send(message)

        await self.app(scope, receive, send_located)

    def location(self, path: str, body: bytes) -> str | None:
        try:
            created = msgspec.json.decode(body)
        except msgspec.DecodeError:
            created = None
        new_id = created.get("id") if isinstance(created, dict) else None
        candidates = [f"{path.rstrip('/')}/{new_id}"] if isinstance(new_id, str) else []
        parts = path.rstrip("/").split("/")
        candidates += ["/".join(parts[:end]) for end in range(len(parts), 2, -1)]
        for candidate in candidates:
            try:
                self.litestar.asgi_router.handle_routing(path=candidate, method="GET")
            except HTTPException:
                continue
            return candidate
        return None


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


@dataclass(frozen=True)
class RouteInput:
    """What a route handler requires of a request: its body type and its required parameters."""

    body: msgspec.json.Decoder[Any] | None
    headers: tuple[tuple[bytes, str], ...]  # (lower-case name on the wire, name as documented)
    queries: tuple[str, ...]


# Per route handler, worked out on its first request. A plain dict: Litestar's own OPTIONS handlers
# take no weak reference. It holds one entry per handler of the apps a process builds.
_ROUTE_INPUTS: dict[Any, RouteInput] = {}


def route_input(request: Request[Any, Any, Any]) -> RouteInput:
    handler = request.route_handler
    known = _ROUTE_INPUTS.get(handler)
    if known is None:
        data = handler.parsed_fn_signature.parameters.get("data")
        model = handler.create_kwargs_model(path_parameters=request.path_params)
        params = [p for p in model.expected_header_params | model.expected_query_params if p.is_required]
        known = RouteInput(
            body=msgspec.json.Decoder(data.annotation) if data is not None else None,
            headers=tuple(
                sorted(
                    (p.field_alias.lower().encode("latin-1"), p.field_alias)
                    for p in params
                    if p.param_type == ParamType.HEADER
                )
            ),
            queries=tuple(sorted(p.field_alias for p in params if p.param_type == ParamType.QUERY)),
        )
        _ROUTE_INPUTS[handler] = known
    return known


def missing_parameters(request: Request[Any, Any, Any], needed: RouteInput) -> list[dict[str, str]]:
    """Every required header and query parameter the request lacks (Litestar reports only the first)."""
    missing: list[dict[str, str]] = []
    if needed.headers:
        present = {key for key, _ in request.scope["headers"]}
        missing += [{"key": name, "message": "required header"} for key, name in needed.headers if key not in present]
    if needed.queries:
        query = request.query_params
        missing += [
            {"key": name, "message": "required query parameter"} for name in needed.queries if name not in query
        ]
    return missing


def decode_strictly(body: bytes, decoder: msgspec.json.Decoder[Any]) -> None:
    """Raise a 400 naming the field unless ``body`` is exactly what ``decoder`` expects."""
    try:
        decoder.decode(body)
    except msgspec.ValidationError as error:
        raise ValidationException(detail=str(error), extra=[{"message": str(error)}]) from None
    except msgspec.DecodeError as error:
        raise ValidationException(detail=str(error), extra=[{"key": "body", "message": "malformed JSON"}]) from None
    except UnicodeError:
        raise ValidationException(extra=[{"key": "body", "message": "not valid UTF-8"}]) from None
    except RecursionError:
        raise ValidationException(extra=[{"key": "body", "message": "nested too deeply"}]) from None


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook: what every request must satisfy before a handler parses it."""
    await check_request(request)
    await decode_body(request)


NUL_REFUSED = "NUL characters are not accepted"


def refuse_nul_in_address(request: Request[Any, Any, Any]) -> None:
    """A NUL character in the path or query string is a 400 (PostgreSQL text holds none): the
    API's ``check_request`` and the pages' own ``before_request`` both call it."""
    if b"%00" in request.scope.get("query_string", b"") or "\x00" in request.scope.get("path", ""):
        raise HTTPException(status_code=400, detail=NUL_REFUSED)


async def check_request(request: Request[Any, Any, Any]) -> None:
    """NUL characters are a 400, missing required parameters are named all at once, and a body
    sent as anything but JSON is a 415. Reads the raw ASGI headers: building Litestar's header
    mapping costs more than the check."""
    refuse_nul_in_address(request)
    if missing := missing_parameters(request, route_input(request)):
        raise ValidationException(detail="missing parameters", extra=missing)
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
        raise HTTPException(status_code=400, detail=NUL_REFUSED)


async def decode_body(request: Request[Any, Any, Any]) -> None:
    """Decode the body strictly against the handler's Struct (after ``check_request``)."""
    decoder = route_input(request).body
    if decoder is not None and request.method in _BODY_METHODS:
        body = await request.body()
        if body:
            decode_strictly(body, decoder)


def rate_limit_hook(limiter: str, message: str) -> Callable[[Request[Any, Any, Any]], Awaitable[None]]:
    """A ``before_request`` hook counting each call per client address with ``Services.<limiter>``,
    before the body is decoded. A hook rather than a guard: Litestar copies the handler for every
    guard call, which costs more than the check on hot public routes. It replaces the app's hook,
    so it runs that one too."""

    async def hook(request: Request[Any, Any, Any]) -> None:
        await check_request(request)
        wait = await getattr(request.app.state.services, limiter).hit(client_address(request))
        if wait is not None:
            raise too_many_requests(message, wait)
        await decode_body(request)

    hook.__name__ = hook.__qualname__ = f"{limiter}_hook"  # named in tests/kernel/test_pipeline.py
    return hook
