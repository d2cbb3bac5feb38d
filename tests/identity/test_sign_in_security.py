"""Sign-in under hostile or careless clients: hashing off the event loop, no timing oracle."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import httpx
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.identity.model import Principal, PrincipalKind, Role
from service.app import create_app
from service.identity.handlers import CreateStaffUser, create_staff_user
from service.identity.security import Argon2PasswordHasher, JwtTokenCodec
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import PASSWORD, Caller, RecordingLoginCodeSender


async def _add_staff(uow_factory: SqlUnitOfWorkFactory, username: str, hasher: Argon2PasswordHasher) -> None:
    await create_staff_user(
        CreateStaffUser(username=username, full_name="S", password=PASSWORD, roles=frozenset({Role.READ_ONLY})),
        uow=uow_factory(),
        hasher=hasher,
        now=datetime.now(UTC),
    )


async def test_sign_ins_do_not_stall_other_requests_of_the_worker(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    # Production hashing parameters: each verification takes 50-400 ms of CPU here.
    await _add_staff(uow_factory, "slow-hash-user", Argon2PasswordHasher())
    app = create_app(settings, login_code_sender=code_sender)
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://worker") as http:

        async def sign_in() -> float:
            started = time.perf_counter()
            response = await http.post("/v1/auth/token", json={"username": "slow-hash-user", "password": PASSWORD})
            assert response.status_code == 200, response.text
            return time.perf_counter() - started

        sign_ins = [asyncio.create_task(sign_in()) for _ in range(6)]
        probes: list[float] = []
        while not all(task.done() for task in sign_ins):
            # A probe arrives every 5 ms; its latency counts from its arrival, so time spent waiting
            # for a blocked event loop counts (the in-process probe alone never suspends).
            arrived = time.perf_counter() + 0.005
            await asyncio.sleep(0.005)
            assert (await http.get("/health/live")).status_code == 200
            probes.append(time.perf_counter() - arrived)
        sign_in_times = await asyncio.gather(*sign_ins)
    # On the event loop the worker stalls for a whole hash at a time: the probes caught behind
    # one add up to about all the hashing time. In a worker thread the loop does not stall; on a
    # loaded 2-core machine the hashing threads may still delay the odd probe, hence a total.
    assert len(probes) >= 3
    quickest, slowest = min(sign_in_times), max(sign_in_times)
    stalled = sum(p for p in probes if p > quickest / 4)
    assert stalled < slowest / 4, (stalled, sorted(probes)[-3:], sign_in_times)


async def test_unknown_user_and_wrong_password_cost_the_same_hashing(
    client: AsyncTestClient[Litestar], officer: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    real_hash, real_verify = argon2.PasswordHasher.hash, argon2.PasswordHasher.verify

    def counted_hash(self: argon2.PasswordHasher, *args: Any, **kwargs: Any) -> str:
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counted_verify(self: argon2.PasswordHasher, *args: Any, **kwargs: Any) -> bool:
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(argon2.PasswordHasher, "verify", counted_verify)
    counts = {}
    for username in ("officer-user", "nobody-by-that-name"):
        calls.clear()
        response = await client.post("/v1/auth/token", json={"username": username, "password": "wrong-password!"})
        assert response.status_code == 401
        counts[username] = dict(calls)
    assert counts["officer-user"] == counts["nobody-by-that-name"] == {"verify": 1}


# --- removing access takes effect at once ---------------------------------------------------------


async def _patch_staff(
    client: AsyncTestClient[Litestar], admin: Caller, user: Caller, **changes: Any
) -> dict[str, Any]:
    current = next(
        u
        for u in (await client.get("/v1/staff-users/", headers=admin.headers)).json()["items"]
        if u["id"] == str(user.id)
    )
    response = await client.patch(
        f"/v1/staff-users/{user.id}", json={"version": current["version"], **changes}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_deactivation_takes_effect_on_the_next_request(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller
) -> None:
    assert (await client.get("/v1/auth/me", headers=officer.headers)).status_code == 200
    await _patch_staff(client, admin, officer, active=False)
    assert (await client.get("/v1/auth/me", headers=officer.headers)).status_code == 401
    await _patch_staff(client, admin, officer, active=True)  # back again: the old token stays dead
    assert (await client.get("/v1/auth/me", headers=officer.headers)).status_code == 401


async def test_a_removed_role_stops_working_on_the_next_request(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller
) -> None:
    await _patch_staff(client, admin, officer, roles=["read_only"])
    assert (await client.get("/v1/auth/me", headers=officer.headers)).status_code == 401
    signed_in = await client.post("/v1/auth/token", json={"username": "officer-user", "password": PASSWORD})
    me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"})
    assert me.json()["roles"] == ["read_only"]


async def test_a_name_change_keeps_the_session(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller
) -> None:
    await _patch_staff(client, admin, officer, full_name="Renamed Officer")
    assert (await client.get("/v1/auth/me", headers=officer.headers)).status_code == 200


async def test_the_server_caps_a_token_lifetime_whatever_its_exp_says(
    client: AsyncTestClient[Litestar], settings: Settings, officer: Caller
) -> None:
    assert officer.id is not None
    now = datetime.now(UTC)
    principal = Principal(PrincipalKind.STAFF, officer.id, frozenset({Role.LOAN_OFFICER}), token_version=1)
    issuer = JwtTokenCodec(settings.secret_key, lifetimes={PrincipalKind.STAFF: 24 * 60})
    too_old = issuer.issue(principal, now=now - timedelta(minutes=settings.access_token_minutes + 1), minutes=24 * 60)
    from_the_future = issuer.issue(principal, now=now + timedelta(minutes=10), minutes=24 * 60)
    fresh = issuer.issue(principal, now=now, minutes=24 * 60)
    for token, status in ((too_old, 401), (from_the_future, 401), (fresh, 200)):
        response = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status


# --- whose address the limits see -----------------------------------------------------------------


async def _client_seen(config: uvicorn.Config, peer: str, forwarded_for: str) -> str:
    """The client address the app sees behind uvicorn's own middleware for one request."""
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["client"][0])

    config.app = app
    config.loaded = False
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 50000),
        "server": ("127.0.0.1", 8000),
    }
    await config.loaded_app(scope, None, None)
    return seen[0]


async def test_forwarded_headers_are_believed_only_from_configured_proxies(servers: Any) -> None:
    from service.cli import uvicorn_options
    from tests.conftest import make_settings

    # The trap: uvicorn on its own believes a local client naming any address it likes.
    assert await _client_seen(uvicorn.Config(app=None), "127.0.0.1", "203.0.113.7") == "203.0.113.7"

    default = uvicorn.Config(app=None, **uvicorn_options(make_settings(servers)))
    assert await _client_seen(default, "127.0.0.1", "203.0.113.7") == "127.0.0.1"
    behind_proxy = uvicorn.Config(app=None, **uvicorn_options(make_settings(servers, FORWARDED_ALLOW_IPS="10.0.0.0/8")))
    assert await _client_seen(behind_proxy, "10.1.2.3", "203.0.113.7") == "203.0.113.7"
    assert await _client_seen(behind_proxy, "198.51.100.9", "203.0.113.7") == "198.51.100.9"


# --- guessing passwords and codes without locking anyone out --------------------------------------


@asynccontextmanager
async def _clients_at(
    settings: Settings, code_sender: RecordingLoginCodeSender, *addresses: str
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One app, and a client for each address (what the server sees as the peer)."""
    app = create_app(settings, login_code_sender=code_sender, fast_password_hashing=True)
    async with app.lifespan(), AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://a")
            )
            for address in addresses
        ]


async def test_password_guessing_backs_off_per_account_and_address(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    await _add_staff(uow_factory, "target-user", Argon2PasswordHasher(fast=True))
    wrong = {"username": "target-user", "password": "guess-guess-guess"}
    right = {"username": "Target-User ", "password": PASSWORD}  # the same account, written otherwise
    async with _clients_at(settings, code_sender, "198.51.100.1", "203.0.113.2") as (guesser, colleague):
        answers = [(await guesser.post("/v1/auth/token", json=wrong)).status_code for _ in range(6)]
        blocked = await guesser.post("/v1/auth/token", json=right)
        elsewhere = await colleague.post("/v1/auth/token", json=right)
    assert answers == [401] * 5 + [429]
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert elsewhere.status_code == 200  # the account's owner, from their own address, is not locked out


async def test_wrong_codes_kill_the_code_not_the_borrowers_sign_in(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    from service.identity.handlers import create_borrower

    email = "victim@example.org"
    await create_borrower("V", email, None, "fr", uow=uow_factory(), now=datetime.now(UTC))
    async with _clients_at(settings, code_sender, "198.51.100.1", "203.0.113.2") as (stranger, borrower):
        for _ in range(8):  # a stranger asks for codes and wastes every one of them
            await stranger.post("/v1/borrower-auth/codes", json={"email": email})
            for _ in range(5):
                await stranger.post("/v1/borrower-auth/tokens", json={"email": email, "code": "000000"})
        assert (await borrower.post("/v1/borrower-auth/codes", json={"email": email})).status_code == 202
        sent = code_sender.sent[email]
        for _ in range(5):  # the stranger kills this code too: five wrong tries
            await stranger.post("/v1/borrower-auth/tokens", json={"email": email, "code": "000000"})
        dead = await borrower.post("/v1/borrower-auth/tokens", json={"email": email, "code": sent})
        assert (await borrower.post("/v1/borrower-auth/codes", json={"email": email})).status_code == 202
        signed_in = await borrower.post(
            "/v1/borrower-auth/tokens", json={"email": email, "code": code_sender.sent[email]}
        )
    assert dead.status_code == 401
    assert signed_in.status_code == 200, signed_in.text


async def test_codes_sent_are_limited_per_asking_address(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    from service.identity.handlers import CODES_PER_HOUR_PER_ADDRESS, create_borrower

    email = "asked@example.org"
    await create_borrower("A", email, None, "fr", uow=uow_factory(), now=datetime.now(UTC))
    async with _clients_at(settings, code_sender, "198.51.100.1", "203.0.113.2") as (stranger, borrower):
        for _ in range(CODES_PER_HOUR_PER_ADDRESS):
            await stranger.post("/v1/borrower-auth/codes", json={"email": email})
        code_sender.sent.pop(email)
        refused = await stranger.post("/v1/borrower-auth/codes", json={"email": email})
        assert refused.status_code == 202 and email not in code_sender.sent  # the same answer, no code
        await borrower.post("/v1/borrower-auth/codes", json={"email": email})
        assert email in code_sender.sent
