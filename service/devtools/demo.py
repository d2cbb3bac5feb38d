"""Demo data for `make run`: loaded once (skipped when the demo admin exists).

The demo partner's API key is kept in the development data folder (``.local/``), so that every
start can print a key that works: the service itself stores keys hashed and shows a secret once.
A key file that is missing, or holds a key that no longer works, gets a new key. Never in
production: there, keys are created by an admin and shown once.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from domain.identity.model import Role
from service.adapters.security import Argon2PasswordHasher
from service.persistence.database import create_engine, create_sessionmaker
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings, SettingsError
from service.usecases import identity as uc

DEMO_PASSWORD_SUFFIX = "-password"
DEMO_STAFF = [
    ("admin", "Demo Admin", Role.ADMIN),
    ("officer", "Demo Loan Officer", Role.LOAN_OFFICER),
    ("committee", "Demo Committee Member", Role.COMMITTEE_MEMBER),
    ("viewer", "Demo Read Only", Role.READ_ONLY),
]
DEMO_PARTNER = "Agence France Travail Paris 11"
DEMO_BORROWER_EMAIL = "camille.martin@example.org"
DEMO_KEY_FILE = Path(__file__).resolve().parents[2] / ".local" / "demo-partner-key.json"


def demo_password(username: str) -> str:
    return f"demo-{username}{DEMO_PASSWORD_SUFFIX}"


class DemoKey(msgspec.Struct, frozen=True):
    """What the key file holds: the demo partner and a working secret of theirs."""

    partner_id: uuid.UUID
    secret: str


async def seed_demo(settings: Settings, key_file: Path) -> str:
    """Load the demo data once; return a working API key of the demo partner (kept in ``key_file``)."""
    if settings.is_production:
        raise SettingsError("APP_ENV=production: demo data and its keys are for development only")
    engine = create_engine(settings)
    uow = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    now = datetime.now(UTC)
    try:
        async with uow() as probe:
            loaded = await probe.staff_users.by_username("admin") is not None
        if not loaded:
            await _load(uow, now)
        return await _demo_key(uow, key_file, now)
    finally:
        await engine.dispose()


async def _load(uow: SqlUnitOfWorkFactory, now: datetime) -> None:
    hasher = Argon2PasswordHasher()
    for username, full_name, role in DEMO_STAFF:
        await uc.create_staff_user(
            uc.CreateStaffUser(
                username=username, full_name=full_name, password=demo_password(username), roles=frozenset({role})
            ),
            uow=uow(),
            hasher=hasher,
            now=now,
        )
    await uc.create_partner(DEMO_PARTNER, "employment_agency", uow=uow(), now=now)
    await uc.create_borrower("Camille Martin", DEMO_BORROWER_EMAIL, "06 12 34 56 78", "fr", uow=uow(), now=now)


async def _demo_key(uow: SqlUnitOfWorkFactory, key_file: Path, now: datetime) -> str:
    kept = read_demo_key(key_file)
    if kept is not None and await uc.authenticate_api_key(kept.secret, uow=uow()) is not None:
        return kept.secret
    partner_id = kept.partner_id if kept is not None else await _demo_partner_id(uow)
    _, secret = await uc.create_api_key(partner_id, "demo key", uow=uow(), now=now)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # Readable by its owner only: it is a working credential, if only for demo data.
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(msgspec.json.encode(DemoKey(partner_id=partner_id, secret=secret)))
    return secret


def read_demo_key(key_file: Path) -> DemoKey | None:
    try:
        return msgspec.json.decode(key_file.read_bytes(), type=DemoKey)
    except (OSError, msgspec.DecodeError):
        return None


async def _demo_partner_id(uow: SqlUnitOfWorkFactory) -> uuid.UUID:
    after = None
    while True:
        async with uow() as reading:
            page = await reading.partners.page(after=after, limit=100)
        for partner in page:
            if partner.name == DEMO_PARTNER:
                return partner.id
        if len(page) < 100:
            break
        after = page[-1].id
    raise SettingsError(f"the demo partner {DEMO_PARTNER!r} is missing: remove .local/ to load the demo data again")


@dataclass(frozen=True)
class Banner:
    base_url: str
    partner_key: str

    def text(self) -> str:
        """What `make run` prints on every start: where to go and how to sign in."""
        sign_ins = "\n".join(
            f"                 {username:<10} {demo_password(username)}" for username, _, _ in DEMO_STAFF
        )
        return (
            f"\n  API            {self.base_url}/v1\n"
            f"  API docs       {self.base_url}/schema/swagger\n"
            f"  health         {self.base_url}/health/ready\n"
            f"  staff sign-in  POST {self.base_url}/v1/auth/token "
            '{"username": "admin", "password": "demo-admin-password"}\n'
            f"{sign_ins}\n"
            f"  partner key    X-API-Key: {self.partner_key}\n"
            f"  borrower       {DEMO_BORROWER_EMAIL}: POST {self.base_url}/v1/borrower-auth/codes; the one-time "
            "code appears in the API's log (borrower_login_code_issued, development only)\n\n"
            "  Ctrl-C stops everything.\n"
        )
