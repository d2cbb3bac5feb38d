"""OpenTelemetry traces, off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Spans: one per HTTP request (the outermost ASGI layer, outside the one request pipeline, so the
quote lane is traced like every route; named after the route template, with the request id as
``request.id``), one per SQL statement (SQLAlchemy's engine events, the servicing hot paths'
raw asyncpg statements excepted), one per arq job (``job <name>`` with ``job.id``). Sent over
OTLP/HTTP to ``<endpoint>/v1/traces`` in batches.

The tracer provider is passed explicitly (tests give one with an in-memory exporter) rather than
set as the process's global one, which OpenTelemetry allows once only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

if TYPE_CHECKING:
    from litestar.types import ASGIApp

REQUEST_ID = "request.id"


def tracer_provider(endpoint: str | None, service: str) -> TracerProvider | None:
    """A provider exporting to ``endpoint`` (None: no tracing)."""
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")))
    return provider


def traced_http(app: ASGIApp, provider: TracerProvider | None) -> ASGIApp:
    """``app`` with a server span per HTTP request (health probes excluded: they would drown the rest)."""
    if provider is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(  # type: ignore[return-value]
        app,
        tracer_provider=provider,
        excluded_urls="/health/",
        exclude_spans=["receive", "send"],
        # Named by method only until the route is known (name_request_span): a path may hold a name.
        default_span_details=lambda scope: (str(scope.get("method", "HTTP")), {}),
    )


def traced_sql(engine: Any, provider: TracerProvider | None) -> None:
    """A span per statement sent through ``engine`` (an AsyncEngine; not imported: routes use this module)."""
    if provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = metrics.get_meter(__name__).create_up_down_counter("db.client.connections.usage")
    EngineTracer(provider.get_tracer(__name__), engine.sync_engine, usage)  # type: ignore[no-untyped-call]


def tag_request_span(request_id: str) -> None:
    """Tag the current request's span with the request id (its log lines and problem answers carry it)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(REQUEST_ID, request_id)


def name_request_span(method: str, route: str) -> None:
    """Name the current request's span after its route template (when the answer starts: the span
    ends with the answer's last part). The raw path and URL give way to the template too."""
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attributes({"http.route": route, "http.target": route, "http.url": route})


def job_span(ctx: dict[str, Any], name: str) -> Any:
    """A span for one run of job ``name`` when the worker traces (``ctx["tracer"]``), else a no-op."""
    tracer: trace.Tracer = ctx.get("tracer") or trace.NoOpTracer()
    return tracer.start_as_current_span(f"job {name}", attributes={"job.id": str(ctx.get("job_id", ""))})
