"""One request pipeline (issue 12, item 6): every route, the quote routes' fast lane included,
passes through the same request id, log line, metrics and security headers; and the fast lane
skips only what it lists, so a middleware added where the lane would skip it fails here."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.di import Provide
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY

from service.kernel.http.middleware import CreatedLocation, RequestContextMiddleware
from service.kernel.metrics import HTTP_DURATION, HTTP_REQUESTS, UNMATCHED_ROUTE
from service.products.http.fast_quotes import SKIPPED_BY_THE_LANE, FastQuoteRoutes, fast_routes
from service.products.http.quotes import QuoteController
from service.services import provide_services
from tests.perf.bench_api import QUOTE

_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_VALUES = {"uuid": "01900000-0000-7000-8000-000000000000", "int": "1", "date": "2026-01-05", "path": "x"}


def counted(method: str, route: str) -> float:
    """Requests counted so far for ``method`` and ``route`` (every status)."""
    return sum(
        sample.value
        for metric in HTTP_REQUESTS.collect()
        for sample in metric.samples
        if sample.name == "http_requests_total"
        and sample.labels["method"] == method
        and sample.labels["route"] == route
    )


def timed(method: str, route: str) -> float:
    return next(
        sample.value
        for metric in HTTP_DURATION.collect()
        for sample in metric.samples
        if sample.name == "http_request_duration_seconds_count" and sample.labels == {"method": method, "route": route}
    )


def every_route(app: Litestar) -> list[tuple[str, str, str]]:
    """(method, template as measured, path with its parameters typed) of every route."""
    return sorted(
        (method, route.path_format, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method in route.methods
        if method not in {"OPTIONS", "HEAD"}
    )


async def test_every_route_is_counted_and_timed_under_its_template(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    routes = every_route(app)
    assert {("POST", "/v1/loan-quotes"), ("GET", "/v1/loans/{loan_id}")} <= {route[:2] for route in routes}
    missing = []
    for method, template, typed in routes:
        before = counted(method, template)
        path = _PARAMETER.sub(lambda m: _VALUES.get(m.group(2) or "", "x"), typed)
        body: dict[str, Any] = {"json": QUOTE if template == "/v1/loan-quotes" else {}} if method != "GET" else {}
        await client.request(method, path, **body)
        if counted(method, template) != before + 1:
            missing.append(f"{method} {template}")
    assert not missing, missing
    # Unrouted paths share one label: a path is never a label (unbounded, may hold a name).
    before = counted("GET", UNMATCHED_ROUTE)
    await client.get("/v1/no-such-thing/Camille-Martin")
    assert counted("GET", UNMATCHED_ROUTE) == before + 1
    assert timed("GET", UNMATCHED_ROUTE) >= 1


async def test_the_fast_lane_answers_inside_the_one_pipeline(
    client: AsyncTestClient[Litestar], app: Litestar, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = app.asgi_handler
    assert isinstance(pipeline, RequestContextMiddleware) and isinstance(pipeline.app, FastQuoteRoutes)
    lane = pipeline.app
    handed_over: list[str] = []
    litestar = lane.app

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        handed_over.append(scope["path"])
        await litestar(scope, receive, send)

    lane.app = spy
    before = counted("POST", "/v1/loan-quotes")
    response = await client.post("/v1/loan-quotes", json=QUOTE, headers={"X-Request-ID": "quote-request-1"})
    assert response.status_code == 200, response.text
    assert handed_over == []  # answered by the lane, not by Litestar
    assert response.headers["x-request-id"] == "quote-request-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert counted("POST", "/v1/loan-quotes") == before + 1
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    finished = [line for line in logs if line["event"] == "request_finished"]
    assert [(line["request_id"], line["path"], line["status"]) for line in finished] == [
        ("quote-request-1", "/v1/loan-quotes", 200)
    ]


def _name(thing: Any) -> str:
    thing = getattr(thing, "middleware", thing)  # DefineMiddleware
    thing = getattr(getattr(thing, "ref", None), "value", thing)  # Litestar's AsyncCallable
    return str(getattr(thing, "__name__", type(thing).__name__))


def litestar_layers(app: Litestar, path: str) -> set[str]:
    """Names of what Litestar runs for ``POST path`` beyond the handler, on every layer (handler,
    controller, router, app): middleware, request and response hooks, guards."""
    _, handler, *_ = app.asgi_router.handle_routing(path=path, method="POST")
    names: set[str] = set()
    for layer in handler.ownership_layers:
        names.update(_name(middleware) for middleware in layer.middleware or ())
        names.update(_name(guard) for guard in layer.guards or ())
    for hook in ("before_request", "after_request", "after_response"):  # the nearest layer's wins
        nearest = next((h for layer in reversed(handler.ownership_layers) if (h := getattr(layer, hook, None))), None)
        if nearest is not None:
            names.add(_name(nearest))
    return names


def layers_inside_the_lane(app: Litestar) -> set[str]:
    lane = app.asgi_handler.app  # type: ignore[attr-defined]
    names, layer = set(), lane.app
    while layer is not app.asgi_router:
        names.add(type(layer).__name__)
        layer = layer.app
    return names


def test_the_fast_lane_skips_only_what_it_lists(app: Litestar) -> None:
    assert layers_inside_the_lane(app) == {CreatedLocation.__name__, "ExceptionHandlerMiddleware"}
    for path in fast_routes():
        skipped = litestar_layers(app, path) | layers_inside_the_lane(app)
        unexplained = skipped - SKIPPED_BY_THE_LANE.keys()
        assert not unexplained, (
            f"{path}: the fast lane would skip {sorted(unexplained)}; put it in RequestContextMiddleware "
            "(the one pipeline) or make the lane do its work and list it in SKIPPED_BY_THE_LANE"
        )
        assert skipped == SKIPPED_BY_THE_LANE.keys(), f"{path}: SKIPPED_BY_THE_LANE lists layers that are gone"


def test_a_middleware_added_to_the_app_is_caught() -> None:
    # What the test above does when someone adds, say, a tenant middleware to the app.
    class TenantMiddleware:
        def __init__(self, app: Any) -> None:
            self.app = app

    app = Litestar(
        route_handlers=[QuoteController],
        middleware=[TenantMiddleware],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
    )
    assert "TenantMiddleware" in litestar_layers(app, "/v1/loan-quotes") - SKIPPED_BY_THE_LANE.keys()


async def test_the_database_pool_is_reported(client: AsyncTestClient[Litestar]) -> None:
    # The client's app is running: its pool is watched, with the configured size.
    await client.get("/health/ready")
    sizes = {
        sample.labels["state"]: sample.value
        for metric in REGISTRY.collect()
        if metric.name == "db_pool_connections"
        for sample in metric.samples
    }
    assert sizes["size"] >= 20 and sizes["in_use"] >= 0 and sizes["idle"] >= 1
