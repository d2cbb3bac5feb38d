"""The pages' browser fixtures: a live server and a Chromium for the browser tests' module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from domain.identity.model import Role
from tests.conftest import truncate_all
from tests.servers import RunningServers, add_staff_user, live_app
from tests.ui.browser import FLAGS, chromium, run_aside

LIVE_ADMIN = ("live-admin", "live-admin-password-0123")


@pytest.fixture(scope="module")
def browser(servers: RunningServers) -> Iterator[Browser]:
    """One Chromium for the browser tests, all in one module: while Playwright's sync API runs it
    owns the thread's event loop, so it must stop before the suite's asynchronous tests run on
    (and the servers must start before it)."""
    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live(servers: RunningServers) -> Iterator[str]:
    """The app served by uvicorn on the test database, with an admin (``LIVE_ADMIN``)."""
    run_aside(add_staff_user(servers.database_url, LIVE_ADMIN[0], LIVE_ADMIN[1], frozenset({Role.ADMIN})))
    try:
        with live_app(servers, QUOTES_RATE_LIMIT="0", SIGN_IN_RATE_LIMIT="0") as base_url:
            yield base_url
    finally:
        run_aside(truncate_all(servers.database_url, servers.redis_url))
