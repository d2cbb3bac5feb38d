"""A fast lane for the two hot public routes: ``POST /v1/loan-quotes`` and ``POST /v1/apr-calculations``.

For a POST, Litestar's per-request pipeline (connection and body handling, signature model, hooks,
dependency injection, response building) cost more than pricing the loan. This raw ASGI layer sits
just inside ``RequestContextMiddleware`` (request id, log line) and answers the ordinary request
itself, with the same functions as the controller: the same decoding into the same Structs, the
same use case, the same rate limiter, the same error table.

Anything out of the ordinary is handed to Litestar *before* the rate limiter is counted, so that
Litestar's route (the one the OpenAPI contract documents) answers it exactly as before: another
method, a query string, a body that is not announced as JSON with a length within the limit, a
``\\u0000`` escape, a client that hangs up, or a body the strict decoder refuses (Litestar's
``require_json_body`` hook then names the faulty field in its 400). The body read so
far is replayed to Litestar. Once the limiter has been counted the lane answers everything itself,
errors through the handlers of ``service.kernel.http.problems``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from service.kernel.http.contract import route_handlers
from service.kernel.http.middleware import is_json_media_type
from service.kernel.http.problems import EXCEPTION_HANDLERS, too_many_requests
from service.products.http.quotes import (
    RATE_LIMITED,
    CreateAprCalculationRequest,
    CreateLoanQuoteRequest,
    calculate_apr,
    price_loan,
)
from service.services import Services

_JSON_HEADERS = b"application/json"

# What Litestar runs on the quote routes and the lane does not, each with the reason the lane may
# skip it. The cross-cutting work (request id, log line, metrics, security headers) is not here: it
# sits outside the lane, in ``RequestContextMiddleware``. tests/kernel/test_pipeline.py compares this
# table with the layers, middleware, hooks and guards the app really has on these routes: a new one
# fails it until it moves outside the lane (or the lane does its work and it is added here).
SKIPPED_BY_THE_LANE = {
    "AuthenticationMiddleware": "the quote routes are public (exclude_from_auth): it would let them through",
    "quote_limiter_hook": "the route's before_request hook; the lane counts the same limiter and decodes strictly",
    "CreatedLocation": "gives 201 answers a Location; a quote is a 200",
    "ExceptionHandlerMiddleware": "Litestar's; the lane answers errors with the same EXCEPTION_HANDLERS (_problem)",
    "ReadAuditMiddleware": "records staff reads of a person's file; a quote reads nobody's",
}


@dataclass(frozen=True)
class FastRoute:
    decoder: msgspec.json.Decoder[Any]
    answer: Callable[[Any, Services], Awaitable[msgspec.Struct]]


def fast_routes() -> dict[str, FastRoute]:
    return {
        "/v1/loan-quotes": FastRoute(msgspec.json.Decoder(CreateLoanQuoteRequest), price_loan),
        "/v1/apr-calculations": FastRoute(msgspec.json.Decoder(CreateAprCalculationRequest), calculate_apr),
    }


class FastQuoteRoutes:
    """Serves the ordinary requests of the quote routes; hands the rest to ``app`` (Litestar)."""

    def __init__(self, litestar: Litestar, app: ASGIApp) -> None:
        self.litestar = litestar
        self.app = app
        self.routes = fast_routes()
        # The handler Litestar's router would put in the scope: the problems read the body's schema from it.
        handlers = route_handlers(litestar)
        self.handlers = {path: handlers[(path, "post")] for path in self.routes}
        self.encoder = msgspec.json.Encoder()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None  # type: ignore[comparison-overlap]
        if route is None or scope.get("method") != "POST" or scope.get("query_string") or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        services: Services = self.litestar.state.services
        limit = services.settings.max_body_bytes
        length = -1
        json = chunked = False
        for key, value in scope["headers"]:
            if key == b"content-type":
                json = value == _JSON_HEADERS or is_json_media_type(value.decode("latin-1"))
            elif key == b"content-length":
                length = int(value) if value.isdigit() and len(value) < 19 else -1
            elif key == b"transfer-encoding":
                chunked = True
        if not json or chunked or not 0 < length <= limit:
            await self.app(scope, receive, send)
            return

        # The body: usually one message. Whatever is odd goes to Litestar with what was read.
        received: list[ReceiveMessage] = []
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                await self.app(scope, _replay(received, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                await self.app(scope, _replay(received, receive), send)
                return
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if b"\\u0000" in body:
            await self.app(scope, _replay(received, receive), send)
            return
        try:
            data = route.decoder.decode(body)
        except (msgspec.DecodeError, UnicodeError, ValueError, TypeError, RecursionError):
            await self.app(scope, _replay(received, receive), send)
            return

        # From here on the request counts against the client's limit and is answered here.
        scope["path_template"] = scope["path"]  # a fixed path: what Litestar's router would set
        scope["route_handler"] = self.handlers[scope["path"]]
        try:
            client = scope.get("client")
            wait = await services.quote_limiter.hit(client[0] if client else "unknown")
            if wait is not None:
                raise too_many_requests(RATE_LIMITED, wait)
            content = self.encoder.encode(await route.answer(data, services))
        except Exception as error:  # noqa: BLE001 - every error becomes a problem, as in Litestar
            await _problem(error, scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", _JSON_HEADERS), (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content, "more_body": False})


def _replay(received: list[ReceiveMessage], receive: Receive) -> Receive:
    """A ``receive`` that gives back the messages already read, then reads on."""
    pending = list(received)

    async def replay() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _problem(error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``error`` with the app's own exception handler, as Litestar would."""
    handler = next(EXCEPTION_HANDLERS[cls] for cls in type(error).__mro__ if cls in EXCEPTION_HANDLERS)
    request: Request[Any, Any, Any] = Request(scope, receive, send)
    response = handler(request, error)
    await response.to_asgi_response(None, request)(scope, receive, send)


def with_fast_quote_routes(litestar: Litestar, app: ASGIApp) -> ASGIApp:
    return FastQuoteRoutes(litestar, app)
