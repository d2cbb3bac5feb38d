"""Helpers for the pages' tests: sign in through the sign-in form, read a form's CSRF token, post
a form as a browser does."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import PASSWORD

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
_IDEMPOTENCY = re.compile(r'name="_idempotency" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def idempotency_of(html: str) -> str:
    found = _IDEMPOTENCY.search(html)
    assert found, "the form has no idempotency key"
    return found.group(1)


async def sign_in_page(client: AsyncTestClient[Litestar], username: str, password: str = PASSWORD) -> httpx.Response:
    """Open the sign-in page and post it; the client keeps the session cookie."""
    form = await client.get("/login")
    return await client.post(
        "/login",
        data={"_csrf": csrf_of(form.text), "username": username, "password": password, "next": "/ui/"},
        follow_redirects=False,
    )


async def post_form(client: AsyncTestClient[Litestar], page: str, action: str, **fields: Any) -> httpx.Response:
    """Post ``fields`` to ``action`` with the token of the form on ``page``, as the browser would."""
    html = (await client.get(page)).text
    return await client.post(
        action, data={"_csrf": csrf_of(html), **{k: str(v) for k, v in fields.items()}}, follow_redirects=False
    )
