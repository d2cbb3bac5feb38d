"""Fixtures: real servers, a migrated database, the app, and signed-in callers of every kind."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.identity.model import Borrower
from service.app import create_app
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.metadata import metadata
from service.services import Services
from service.settings import Settings, load_settings
from service.wiring import SqlUnitOfWorkFactory
from tests.servers import RunningServers, running_servers


@pytest.fixture(scope="session")
def servers() -> Iterator[RunningServers]:
    with running_servers() as running:
        asyncio.run(snapshot_reference_rows(running.database_url))
        yield running


TEST_SECRET_KEY = "test-only-secret-key-0123456789abcdef"


def make_settings(servers: RunningServers, **env: str) -> Settings:
    values = {
        "DATABASE_URL": servers.database_url,
        "REDIS_URL": servers.redis_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET_KEY,
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "QUOTES_RATE_LIMIT": "0",
        "SIGN_IN_RATE_LIMIT": "0",
    }
    values.update(env)
    return load_settings(values)


@pytest.fixture
def settings(servers: RunningServers) -> Settings:
    return make_settings(servers)


# Rows the migrations themselves insert (legal reference data), restored after each clean-up.
_REFERENCE_ROWS: dict[str, list[dict[str, Any]]] = {}


async def snapshot_reference_rows(database_url: str) -> None:
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    async with engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = [dict(r._mapping) for r in await connection.execute(table.select())]
            if rows:
                _REFERENCE_ROWS[table.name] = rows
    await engine.dispose()


async def truncate_all(database_url: str, redis_url: str) -> None:
    """Empty every table, then put back what the migrations seeded, and empty Redis."""
    engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"truncate {tables} restart identity cascade"))
        for table in metadata.sorted_tables:
            if table.name in _REFERENCE_ROWS:
                await connection.execute(table.insert(), _REFERENCE_ROWS[table.name])
    await engine.dispose()
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture
async def uow_factory(settings: Settings) -> AsyncIterator[SqlUnitOfWorkFactory]:
    """A unit-of-work factory on its own engine, for arranging data behind the API's back."""
    engine = create_engine(settings)
    yield SqlUnitOfWorkFactory(create_sessionmaker(engine))
    await engine.dispose()


class RecordingLoginCodeSender:
    """Plays the borrower's mailbox: keeps the last code sent to each address."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    async def send(self, borrower: Borrower, code: str) -> None:
        self.sent[borrower.email] = code


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database (the jobs' tests); everything is emptied afterwards."""
    engine = create_engine(settings)
    yield engine
    await engine.dispose()
    await truncate_all(settings.database_url, settings.redis_url)


@pytest.fixture
def code_sender() -> RecordingLoginCodeSender:
    return RecordingLoginCodeSender()


def lender_today() -> date:
    """Today in the lender's time zone (LENDER_TIMEZONE's default), the date the rules call today."""
    return datetime.now(ZoneInfo("Europe/Paris")).date()


@dataclass
class Clock:
    """The API's clock (``Services.now``): the real time until a test sets ``moment``."""

    moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment or datetime.now(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Sign callers in first: tokens are checked against the real time, not this clock."""
    fixed = Clock()
    monkeypatch.setattr(Services, "now", staticmethod(fixed.now))
    return fixed


@pytest.fixture
def app(settings: Settings, code_sender: RecordingLoginCodeSender) -> Litestar:
    return create_app(settings, login_code_sender=code_sender, fast_password_hashing=True)


@pytest.fixture
async def client(app: Litestar, settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
    await truncate_all(settings.database_url, settings.redis_url)


Racing = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def racing(settings: Settings, code_sender: RecordingLoginCodeSender) -> Racing:
    """``async with racing() as http``: a client whose requests really run at the same time.

    Litestar's test client hands each request to a portal thread and waits for it, so requests
    gathered on it run one after the other; here the app runs in the test's own event loop and
    gathered requests interleave at every database round trip. (A context manager rather than a
    fixture value, because the app's lifespan must start and stop in the same task.)"""

    @asynccontextmanager
    async def racing_client() -> AsyncIterator[httpx.AsyncClient]:
        racing_app = create_app(settings, login_code_sender=code_sender, fast_password_hashing=True)
        transport = httpx.ASGITransport(app=racing_app)
        async with racing_app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://racing") as http:
            yield http

    return racing_client


@dataclass
class Caller:
    """A signed-in caller: ``headers`` authenticate its requests."""

    name: str
    headers: dict[str, str]
    id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


ANONYMOUS = Caller("anonymous", {})
PASSWORD = "a-long-enough-test-password"


async def sign_in_staff(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, username: str, *roles: str
) -> Caller:
    from domain.identity.model import Role
    from service.identity.handlers import CreateStaffUser, create_staff_user

    user = await create_staff_user(
        CreateStaffUser(
            username=username, full_name=f"Test {username}", password=PASSWORD, roles=frozenset(Role(r) for r in roles)
        ),
        uow=uow_factory(),
        hasher=Argon2PasswordHasher(fast=True),
        now=datetime.now(UTC),
    )
    response = await client.post("/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Caller(username, {"Authorization": f"Bearer {response.json()['access_token']}"}, user.id)


async def sign_in_partner(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, name: str) -> Caller:
    from service.identity.handlers import create_api_key, create_partner

    now = datetime.now(UTC)
    partner = await create_partner(f"Partner {name}", "employment_agency", uow=uow_factory(), now=now)
    key, secret = await create_api_key(partner.id, "test", uow=uow_factory(), now=now)
    return Caller(name, {"X-API-Key": secret}, partner.id, {"key_id": key.id})


async def sign_in_borrower(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, sender: RecordingLoginCodeSender, name: str
) -> Caller:
    from service.identity.handlers import create_borrower

    email = f"{name}@example.org"
    borrower = await create_borrower(f"Borrower {name}", email, None, "fr", uow=uow_factory(), now=datetime.now(UTC))
    assert (await client.post("/v1/borrower-auth/codes", json={"email": email})).status_code == 202
    response = await client.post("/v1/borrower-auth/tokens", json={"email": email, "code": sender.sent[email]})
    assert response.status_code == 200, response.text
    return Caller(name, {"Authorization": f"Bearer {response.json()['access_token']}"}, borrower.id)


@pytest.fixture
async def admin(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> Caller:
    return await sign_in_staff(client, uow_factory, "admin-user", "admin")


@pytest.fixture
async def officer(client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory) -> Caller:
    return await sign_in_staff(client, uow_factory, "officer-user", "loan_officer")
