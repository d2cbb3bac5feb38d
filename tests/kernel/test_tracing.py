"""OpenTelemetry traces (off by default): a span per request named after its route template and
tagged with the request id, SQL spans under it, a span per job; with an in-memory exporter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from service.app import create_app
from service.kernel.metrics import measured
from service.kernel.tracing import REQUEST_ID
from service.settings import Settings
from tests.conftest import RecordingLoginCodeSender
from tests.perf.bench_api import QUOTE


@pytest.fixture
def exported() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


@pytest.fixture
async def traced_client(
    settings: Settings, exported: tuple[TracerProvider, InMemorySpanExporter]
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, login_code_sender=RecordingLoginCodeSender(), tracing=exported[0])
    async with AsyncTestClient(app) as client:
        yield client


async def test_a_request_is_a_span_named_after_its_route_with_its_sql_beneath(
    traced_client: AsyncTestClient[Litestar], exported: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    exporter = exported[1]
    response = await traced_client.get(
        "/v1/loans/01900000-0000-7000-8000-000000000000/schedule", headers={"X-Request-ID": "traced-request-1"}
    )
    assert response.status_code == 401  # no caller: still a request, still traced
    signed_in = await traced_client.post(
        "/v1/auth/token",
        json={"username": "nobody", "password": "not-the-password"},
        headers={"X-Request-ID": "traced-request-2"},
    )
    assert signed_in.status_code == 401
    quote = await traced_client.post("/v1/loan-quotes", json=QUOTE, headers={"X-Request-ID": "traced-request-3"})
    assert quote.status_code == 200
    spans = exporter.get_finished_spans()
    servers = {span.attributes[REQUEST_ID]: span for span in spans if span.attributes and REQUEST_ID in span.attributes}
    assert servers["traced-request-1"].name == "GET /v1/loans/{loan_id}/schedule"
    assert "01900000" not in str(dict(servers["traced-request-1"].attributes or {}))  # no raw path
    assert servers["traced-request-3"].name == "POST /v1/loan-quotes"  # the fast lane too
    sign_in = servers["traced-request-2"]
    assert sign_in.name == "POST /v1/auth/token"
    sql = [
        s for s in spans if s.parent is not None and s.context.trace_id == sign_in.context.trace_id and s is not sign_in
    ]
    assert any((s.attributes or {}).get("db.system") == "postgresql" for s in sql), [s.name for s in sql]


async def test_a_job_run_is_a_span(exported: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = exported

    async def purge_things(ctx: dict[str, Any]) -> int:
        return 3

    assert await measured(purge_things)({"tracer": provider.get_tracer("test"), "job_id": "job-42"}) == 3
    [span] = exporter.get_finished_spans()
    assert span.name == "job purge_things" and span.attributes == {"job.id": "job-42"}


async def test_without_an_endpoint_nothing_is_traced(settings: Settings) -> None:
    assert settings.otel_exporter_otlp_endpoint is None
    app = create_app(settings)
    assert type(app.asgi_handler).__name__ == "RequestContextMiddleware"
