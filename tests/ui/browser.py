"""Headless Chromium for the pages' tests: Debian's package (installed here when missing and run as
root, as on CI), driven by Playwright; each journey screenshots every page it visits into
build/ui-artifacts/<journey>/ and checks it with axe-core (no "serious" or "critical" violation)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.servers import ROOT

T = TypeVar("T")
CHROMIUM = Path("/usr/bin/chromium")
# What FIELD_NOTES found to work headless here: no sandbox (root in a container), no GPU, nothing
# phoning home.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "build" / "ui-artifacts"
BLOCKING_IMPACTS = {"serious", "critical"}


def run_aside(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end on another thread: Playwright's sync API owns this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing and allowed to (root); a test run
    without it and without root skips the browser tests, saying how to get it."""
    if not CHROMIUM.exists() and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
        if subprocess.run(install, env=environment, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update"], env=environment, capture_output=True, check=False)
            subprocess.run(install, env=environment, capture_output=True, check=False)
    if not CHROMIUM.exists():
        pytest.skip("the browser tests need Debian's chromium (apt-get install chromium)")
    return CHROMIUM


class Journey:
    """A browser tab going through a journey: ``visit`` screenshots the page and checks it with axe."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0
        self.axe = Axe()

    def visit(self, label: str) -> Page:
        """The page now shown: saved as NN-label.png, and free of serious accessibility faults."""
        self.count += 1
        self.page.wait_for_load_state("load")
        name = re.sub(r"[^a-z0-9-]+", "-", label.lower())
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
        results = self.axe.run(self.page)
        blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"{label} ({self.page.url}): " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in blocking
        )
        return self.page

    def sign_in(self, base_url: str, username: str, password: str) -> None:
        self.page.goto(f"{base_url}/login")
        self.visit(f"sign-in-{username}")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", password)
        self.page.click("form[action='/login'] button[type=submit]")
        self.visit(f"dashboard-{username}")

    def sign_out(self) -> None:
        self.page.click("form[action='/ui/sign-out'] button[type=submit]")
        self.page.wait_for_url("**/login?reason=signed-out")
