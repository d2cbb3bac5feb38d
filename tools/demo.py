"""Demo data for `make run`: loaded once (skipped when the demo admin exists).

The demo partner's API key is kept in the development data folder (``.local/``), so that every
start can print a key that works: the service itself stores keys hashed and shows a secret once.
A key file that is missing, or holds a key that no longer works, gets a new key. Never in
production: there, keys are created by an admin and shown once.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import msgspec
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.identity.model import Principal, PrincipalKind, Role
from domain.money import money
from domain.origination.applicants import BusinessProject, PlanLine, ResourceKind, ResourceLine, Situation
from domain.origination.applications import Action, Application, CommitteeDecision
from domain.products.model import LoanProduct, ProductCategory, ProductTerms
from domain.schedules import Fee, FeeCollection
from service.identity import handlers as uc
from service.identity.security import Argon2PasswordHasher
from service.kernel.db.engine import create_engine, create_sessionmaker
from service.kernel.idempotency import IdempotencyKey
from service.origination.handlers import applicants as applicants_uc
from service.origination.handlers import applications as applications_uc
from service.products import handlers as products_uc
from service.settings import Settings, SettingsError
from service.wiring import SqlUnitOfWorkFactory
from tools.demo_book import DEFAULT_LOANS, BookContext, load_book

log = structlog.get_logger()

DEMO_PASSWORD_SUFFIX = "-password"
DEMO_STAFF = [
    ("admin", "Demo Admin", Role.ADMIN),
    ("officer", "Demo Loan Officer", Role.LOAN_OFFICER),
    # A second officer: the loan list and the dashboard have someone else's book to filter out.
    ("officer2", "Demo Second Loan Officer", Role.LOAN_OFFICER),
    # Two members: the committee's default quorum is two votes, and neither prepares files.
    ("committee", "Demo Committee Member", Role.COMMITTEE_MEMBER),
    ("committee2", "Demo Second Committee Member", Role.COMMITTEE_MEMBER),
    ("viewer", "Demo Read Only", Role.READ_ONLY),
]
DEMO_PARTNER = "Agence France Travail Paris 11"
# Referrals come from two partners (the first is the one whose key `make run` prints).
DEMO_PARTNERS = [(DEMO_PARTNER, "employment_agency"), ("Mission Locale de Paris Est", "employment_agency")]
DEMO_BORROWER_EMAIL = "camille.martin@example.org"
# The two demo files: who, and where the walk leaves them. The paid-out one is the demo borrower's,
# so that their sign-in shows a loan (the disbursement links the file to the borrower by e-mail).
DEMO_FILES = [
    ("Amina Diallo", "approved, one condition open"),
    ("Camille Martin", "loan paid out; the demo borrower"),
]
BOOK_LINE = (
    "two years of loans (repaid, current, late in each bucket, one written off), files at every stage,"
    " a training programme, follow-up contacts done and due"
)
DEMO_KEY_FILE = Path(__file__).resolve().parents[1] / ".local" / "demo-partner-key.json"


def demo_password(username: str) -> str:
    return f"demo-{username}{DEMO_PASSWORD_SUFFIX}"


class DemoKey(msgspec.Struct, frozen=True):
    """What the key file holds: the demo partner and a working secret of theirs."""

    partner_id: uuid.UUID
    secret: str


async def seed_demo(
    settings: Settings, key_file: Path, *, book_loans: int = DEFAULT_LOANS, progress: Callable[[str], None] = print
) -> str:
    """Load the demo data once (with a book of ``book_loans`` loans, see tools.demo_book); return a
    working API key of the demo partner (kept in ``key_file``)."""
    if settings.is_production:
        raise SettingsError("APP_ENV=production: demo data and its keys are for development only")
    engine = create_engine(settings)
    uow = SqlUnitOfWorkFactory(create_sessionmaker(engine))
    now = datetime.now(UTC)
    try:
        async with uow() as probe:
            loaded = await probe.staff_users.by_username("admin") is not None
        if not loaded:
            await _load(uow, settings, engine, now, book_loans=book_loans, progress=progress)
        return await _demo_key(uow, key_file, now)
    finally:
        await engine.dispose()


async def _load(
    uow: SqlUnitOfWorkFactory,
    settings: Settings,
    engine: AsyncEngine,
    now: datetime,
    *,
    book_loans: int,
    progress: Callable[[str], None],
) -> None:
    hasher = Argon2PasswordHasher()
    staff: dict[str, Principal] = {}
    for username, full_name, role in DEMO_STAFF:
        user = await uc.create_staff_user(
            uc.CreateStaffUser(
                username=username, full_name=full_name, password=demo_password(username), roles=frozenset({role})
            ),
            uow=uow(),
            hasher=hasher,
            now=now,
        )
        staff[username] = Principal(PrincipalKind.STAFF, user.id, frozenset({role}))
    partners = [await uc.create_partner(name, kind, uow=uow(), now=now) for name, kind in DEMO_PARTNERS]
    await uc.create_borrower("Camille Martin", DEMO_BORROWER_EMAIL, "06 12 34 56 78", "fr", uow=uow(), now=now)
    product = await _demo_product(uow, now)
    book = BookContext(
        uow=uow,
        settings=settings,
        engine=engine,
        product=product,
        officers=[staff["officer"], staff["officer2"]],
        committee=(staff["committee"], staff["committee2"]),
        partners=[p.id for p in partners],
        rng=random.Random(2026),  # noqa: S311 - demo figures, not secrets: the same book on every machine
        progress=progress,
    )
    # The book first: it plays two years forward, and the two documented files are of today.
    await load_book(book, loans=book_loans, today=settings.business_date(now))
    await _demo_files(uow, settings, staff, product, now)


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


async def _demo_product(uow: SqlUnitOfWorkFactory, now: datetime) -> LoanProduct:
    """The published product of the README's example (7.45 %, a 5 % contribution withheld)."""
    terms = ProductTerms(
        currency="EUR",
        category=ProductCategory.PROFESSIONAL_MICROCREDIT,
        min_amount=Decimal("1000.00"),
        max_amount=Decimal("12000.00"),
        min_installments=6,
        max_installments=48,
        annual_interest_rate=Decimal("7.45"),
        fees=(Fee("contribution de solidarité", FeeCollection.WITHHELD_AT_DISBURSEMENT, Decimal(5)),),
    )
    return await products_uc.create_product("PRO-MICRO", "Microcrédit professionnel", terms, uow=uow(), now=now)


async def _demo_files(
    uow: SqlUnitOfWorkFactory, settings: Settings, staff: dict[str, Principal], product: LoanProduct, now: datetime
) -> None:
    """Two files walked through the real path: prepared by the officer, voted on by both committee members
    and decided by one of them; one stays approved with an open condition, the other is paid out."""
    today = settings.business_date(now)  # the lender's date: offers, signatures and payouts are dated in it
    officer, committee = staff["officer"], (staff["committee"], staff["committee2"])
    people = [
        ("Amina Diallo", "amina.diallo@example.org", Decimal("8000.00"), "ouverture d'un compte professionnel"),
        ("Camille Martin", DEMO_BORROWER_EMAIL, Decimal("5000.00"), "devis du fournisseur signé"),
    ]
    approved: list[Application] = []
    for full_name, email, amount, condition in people:
        applicant = await applicants_uc.register_applicant(
            applicants_uc.RegisterApplicant(
                full_name=full_name,
                email=email,
                phone=None,
                situation=Situation.JOB_SEEKER,
                officer_id=officer.subject_id,
            ),
            uow=uow(),
            now=now,
        )
        await applicants_uc.save_project(
            BusinessProject(
                applicant_id=applicant.id,
                activity="Épicerie fine de quartier",
                legal_status="micro-entreprise",
                currency="EUR",
                needs=(PlanLine("stock et vitrine", amount),),
                resources=(ResourceLine("ce microcrédit", amount, ResourceKind.REQUESTED_MICROCREDIT),),
            ),
            expected_version=None,
            uow=uow(),
        )
        app = await applications_uc.create_application(
            applications_uc.CreateApplication(
                applicant_id=applicant.id,
                product_id=product.id,
                amount=money(amount, "EUR"),
                number_of_installments=36,
                purpose="Équipement de départ",
            ),
            actor=officer,
            uow=uow(),
            now=now,
        )
        for action in (Action.SUBMIT, Action.START_REVIEW, Action.SEND_TO_COMMITTEE):
            app = await applications_uc.transition(
                app.id, action, expected_version=app.version, actor=officer, uow=uow(), now=now, today=today
            )
        for member in committee:
            await applications_uc.vote(app.id, "approve", "projet solide", actor=member, uow=uow(), now=now)
        approved.append(
            await applications_uc.decide(
                app.id,
                CommitteeDecision(decision=Action.APPROVE, comment="accord avec condition", conditions=(condition,)),
                expected_version=app.version,
                actor=committee[0],
                rules=settings.committee_rules,
                uow=uow(),
                now=now,
                today=today,
            )
        )
    # The second file: condition met, offer, signature, and the money out on the offer's date.
    app = approved[1]
    app = await applications_uc.meet_condition(
        app.id, 1, evidence="devis n° 2026-114", expected_version=app.version, actor=officer, uow=uow(), now=now
    )
    app = await applications_uc.issue_offer(
        app.id,
        expected_version=app.version,
        disbursement_date=today,
        first_due_date=None,
        validity_days=30,
        actor=officer,
        uow=uow(),
        now=now,
        today=today,
    )
    app = await applications_uc.sign_contract(
        app.id, expected_version=app.version, signed_on=today, actor=officer, uow=uow(), now=now, today=today
    )
    await applications_uc.disburse(
        app.id,
        amount=app.amount,
        currency=app.currency,
        value_date=today,
        actor=officer,
        idempotency=IdempotencyKey(f"staff:{officer.subject_id}", f"demo-{app.id}", "demo"),
        uow=uow(),
        now=now,
        today=today,
    )


def _demo_files_line() -> str:
    return "; ".join(f"{full_name} ({state})" for full_name, state in DEMO_FILES)


def seed_summary(partner_key: str) -> str:
    """What `seed-demo` prints once the data is in."""
    usernames = "/".join(username for username, _, _ in DEMO_STAFF)
    return (
        f"demo data ready: staff users {usernames}, files {_demo_files_line()}, {BOOK_LINE},"
        f" partner API key {partner_key}"
    )


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
            f"\n  web UI         {self.base_url}/ui/  (sign in with a staff user below)\n"
            f"  API            {self.base_url}/v1\n"
            f"  API docs       {self.base_url}/schema/swagger\n"
            f"  health         {self.base_url}/health/ready\n"
            f"  staff sign-in  POST {self.base_url}/v1/auth/token "
            '{"username": "admin", "password": "demo-admin-password"}\n'
            f"{sign_ins}\n"
            f"  partner key    X-API-Key: {self.partner_key}\n"
            f"  demo files     {_demo_files_line()}\n"
            f"  demo book      {BOOK_LINE}\n"
            f"  borrower       {DEMO_BORROWER_EMAIL}: POST {self.base_url}/v1/borrower-auth/codes; the one-time "
            "code appears in the API's log (borrower_login_code_issued, development only)\n\n"
            "  Ctrl-C stops everything.\n"
        )
