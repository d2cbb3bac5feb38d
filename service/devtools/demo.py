"""Demo data for `make run`: loaded once (skipped when the demo admin exists)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.identity.model import Role
from service.adapters.security import Argon2PasswordHasher
from service.persistence.database import create_engine, create_sessionmaker
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings
from service.usecases import identity as uc

DEMO_PASSWORD_SUFFIX = "-password"
DEMO_STAFF = [
    ("admin", "Demo Admin", Role.ADMIN),
    ("officer", "Demo Loan Officer", Role.LOAN_OFFICER),
    ("committee", "Demo Committee Member", Role.COMMITTEE_MEMBER),
    ("viewer", "Demo Read Only", Role.READ_ONLY),
]


async def seed_demo(settings: Settings) -> None:
    engine = create_engine(settings)
    uow = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    hasher = Argon2PasswordHasher()
    now = datetime.now(UTC)
    try:
        async with uow() as probe:
            if await probe.staff_users.by_username("admin") is not None:
                print("demo data already loaded")
                return
        for username, full_name, role in DEMO_STAFF:
            password = f"demo-{username}{DEMO_PASSWORD_SUFFIX}"
            await uc.create_staff_user(
                uc.CreateStaffUser(username=username, full_name=full_name, password=password, roles=frozenset({role})),
                uow=uow(),
                hasher=hasher,
                now=now,
            )
        partner = await uc.create_partner("Agence France Travail Paris 11", "employment_agency", uow=uow(), now=now)
        _, secret = await uc.create_api_key(partner.id, "demo key", uow=uow(), now=now)
        await uc.create_borrower(
            "Camille Martin", "camille.martin@example.org", "06 12 34 56 78", "fr", uow=uow(), now=now
        )
        print(
            f"demo data loaded: staff users admin/officer/committee/viewer with password demo-<name>-password; "
            f"partner API key {secret}"
        )
    finally:
        await engine.dispose()
