"""The composition root for HTTP: ``create_app(settings)`` wires adapters into the API."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from domain.identity.model import PrincipalKind
from service.followup import http as followup
from service.health import HealthController
from service.identity import http as identity
from service.identity.http.authentication import AuthenticationMiddleware
from service.identity.ports import LoginCodeSender
from service.identity.read import SqlStaffTokenVersions
from service.identity.security import Argon2PasswordHasher, JwtTokenCodec
from service.identity.senders import LogLoginCodeSender
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.kernel.db.readiness import ServersReadiness
from service.kernel.http.audit import ReadAuditMiddleware
from service.kernel.http.contract import CONTRACT_VERSION, PARTNER_PATH, ContractJson
from service.kernel.http.middleware import (
    CreatedLocation,
    RequestContextMiddleware,
    require_json_body,
    route_segments,
    security_headers,
)
from service.kernel.http.problems import EXCEPTION_HANDLERS
from service.kernel.metrics import serve_metrics, watch_pool
from service.kernel.rate_limit import RedisRateLimiter, RedisSignInBackoff
from service.kernel.tracing import traced_http, traced_sql, tracer_provider
from service.logging import configure_logging
from service.notifications import http as notifications
from service.notifications.read import SqlNoticeOutbox
from service.origination import http as origination
from service.origination.pdf import PdfContractRenderer
from service.partners import http as partners
from service.privacy import http as privacy
from service.privacy.read import SqlAuditTrail
from service.privacy.repositories import SqlConsents, SqlPersonRecords, SqlReadAudit, SqlRectifications
from service.products import http as products
from service.products.http.fast_quotes import with_fast_quote_routes
from service.reporting import http as reporting
from service.reporting.read import SqlPortfolioReports
from service.services import Services, provide_services
from service.servicing import http as servicing
from service.servicing.ics import IcsScheduleRenderer
from service.servicing.pdf import PdfScheduleRenderer
from service.settings import Settings
from service.training import http as training
from service.ui import routes as ui
from service.ui.rendering import template_config
from service.ui.session import SESSION_STORE, session_store
from service.wiring import SqlUnitOfWorkFactory

# Each context publishes its routes; the app only composes them.
ROUTE_HANDLERS = [
    HealthController,
    *identity.routes(),
    *products.routes(),
    *origination.routes(),
    *training.routes(),
    *servicing.routes(),
    *reporting.routes(),
    *notifications.routes(),
    *followup.routes(),
    *privacy.routes(),
    *partners.routes(),
]


# Swagger UI's files are served by the service itself (vendored from the npm package
# swagger-ui-dist, see service/kernel/http/static/swagger-ui/VERSION): the docs page works offline and
# loads nothing from a CDN.
SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_FILES = Path(__file__).parent / "kernel" / "http" / "static" / "swagger-ui"
SWAGGER_UI_PATH = "/schema/static/swagger-ui"


def swagger_ui_files() -> Router:
    return create_static_files_router(
        path=SWAGGER_UI_PATH,
        directories=[SWAGGER_UI_FILES],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        version=SWAGGER_UI_VERSION,
        js_url=f"{SWAGGER_UI_PATH}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_UI_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_UI_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI_PATH}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title="Microcredit service API",
        version=CONTRACT_VERSION,
        description="Referrals, trainings, loan origination and servicing for microcredit programmes.",
        path="/schema",
        render_plugins=[swagger, ContractJson("/openapi.json"), ContractJson(PARTNER_PATH, partners=True)],
        # A handler's docstring is its operation's description (service.kernel.http.contract adds the callers).
        use_handler_docstrings=True,
        security=[{"bearer": []}, {"apiKey": []}],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                "apiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header"),
            }
        ),
    )


def create_app(
    settings: Settings,
    *,
    login_code_sender: LoginCodeSender | None = None,
    fast_password_hashing: bool = False,
    tracing: TracerProvider | None = None,
) -> Litestar:
    """Build the app. Engines and pools open in the lifespan, not at import or here. Traces go to
    ``tracing`` (tests) or to ``OTEL_EXPORTER_OTLP_ENDPOINT`` when set (see service/kernel/tracing.py)."""
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    tracing = tracing or tracer_provider(settings.otel_exporter_otlp_endpoint, "microcredit-api")

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings)
        traced_sql(engine, tracing)
        redis = Redis.from_url(settings.redis_url)
        app.state.services = Services(
            settings=settings,
            uow=SqlUnitOfWorkFactory(create_sessionmaker(engine)),
            hasher=Argon2PasswordHasher(fast=fast_password_hashing),
            tokens=JwtTokenCodec(
                settings.secret_key,
                lifetimes={
                    PrincipalKind.STAFF: settings.access_token_minutes,
                    PrincipalKind.BORROWER: settings.borrower_token_minutes,
                },
            ),
            staff_token_versions=SqlStaffTokenVersions(engine),
            login_code_sender=login_code_sender
            or LogLoginCodeSender(include_code=settings.environment == "development"),
            readiness=ServersReadiness(engine, redis),
            contract_renderer=PdfContractRenderer(),
            portfolio=SqlPortfolioReports(engine, timezone=settings.lender_timezone),
            notices=SqlNoticeOutbox(engine),
            schedule_pdf=PdfScheduleRenderer(),
            schedule_calendar=IcsScheduleRenderer(),
            privacy_records=SqlPersonRecords(engine),
            audit_trail=SqlAuditTrail(engine),
            consents=SqlConsents(engine),
            rectifications=SqlRectifications(engine),
            sign_in_limiter=RedisRateLimiter(redis, scope="sign-in", per_minute=settings.sign_in_rate_limit),
            sign_in_backoff=RedisSignInBackoff(redis),
            quote_limiter=RedisRateLimiter(redis, scope="quotes", per_minute=settings.quotes_rate_limit),
        )
        app.state.redis = redis
        app.state.read_audit = SqlReadAudit(engine)  # the kernel's ReadAuditMiddleware writes through it
        stop_watching_pool = watch_pool(engine)
        stop_serving_metrics = serve_metrics(settings.metrics_port)
        # Everything loaded so far lives as long as the process: keep it out of the collector's
        # full passes, and collect young objects less often (each request makes thousands).
        # Without this, full collections of the app's long-lived objects showed as latency spikes.
        if settings.environment != "test":  # tests build an app per test: nothing is long-lived there
            gc.freeze()
            gc.set_threshold(20_000, 50, 100)
        try:
            yield
        finally:
            stop_serving_metrics()
            stop_watching_pool()
            await redis.aclose()
            await engine.dispose()

    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, swagger_ui_files(), ui.pages(settings), ui.static_files()],
        lifespan=[lifespan],
        # The officers' pages check their own session (service/ui), not a bearer token or API key. Reads
        # marked ``audited`` leave a record once the caller is known (service/kernel/http/audit.py).
        middleware=[
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/schema", *ui.PAGE_PATHS]),
            ReadAuditMiddleware,
        ],
        template_config=template_config(),
        stores={SESSION_STORE: session_store(settings)},
        before_request=require_json_body,
        logging_config=None,
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi_config(),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
    # Litestar middleware runs per route, so an unknown route (404/405) would bypass it. Wrapping the
    # app's outermost handler gives every response, routed or not, its request id, log line, metrics
    # and security headers: the one pipeline every request passes. Inside it, the quote routes'
    # ordinary requests skip Litestar's own middleware and hooks (service/products/http/fast_quotes.py
    # lists what they skip and why; tests/kernel/test_pipeline.py fails on anything new). Every 201
    # gets its Location there too.
    app.asgi_handler = traced_http(
        RequestContextMiddleware(
            with_fast_quote_routes(app, CreatedLocation(app, app.asgi_handler)),
            headers=security_headers(hsts_max_age=settings.hsts_max_age),
            route_words=route_segments(app),
        ),
        tracing,
    )
    return app


def app_from_environment() -> Litestar:
    """Entry point for uvicorn (``--factory``): settings are read once, here."""
    from service.settings import load_settings

    return create_app(load_settings())
