"""The pages' router: every page route module's ROUTES under one session, sign-in check, CSRF check
and HTML error pages; the vendored front-end files beside it. ``service.app`` mounts both."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router

from service.settings import Settings
from service.ui.pages import admin, applications, auth, dashboard, followup, loans, people, pipeline, quote, training
from service.ui.rendering import EXCEPTION_HANDLERS
from service.ui.session import SessionAuthentication, check_csrf, session_config

STATIC = Path(__file__).parent / "static"
STATIC_PATH = "/ui/static"
# Paths the API's bearer/API-key authentication leaves to the pages' own session check.
PAGE_PATHS = ["^/$", "^/login$", "^/language$", "^/ui(/|$)"]


def pages(settings: Settings) -> Router:
    return Router(
        path="/",
        route_handlers=[
            *auth.ROUTES,
            *dashboard.ROUTES,
            *people.ROUTES,
            *pipeline.ROUTES,
            *applications.ROUTES,
            *quote.ROUTES,
            *loans.ROUTES,
            *followup.ROUTES,
            *admin.ROUTES,
            *training.ROUTES,
        ],
        middleware=[
            session_config(settings).middleware,
            DefineMiddleware(SessionAuthentication, exclude_from_auth_key="exclude_from_auth"),
        ],
        before_request=check_csrf,
        exception_handlers=EXCEPTION_HANDLERS,
        include_in_schema=False,
    )


def static_files() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600, public=True),
    )
