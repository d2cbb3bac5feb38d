"""Demo data for `make run`: loaded once (skipped when the demo admin exists)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.identity.model import Principal, PrincipalKind, Role
from domain.origination.applicants import BusinessProject, PlanLine, ResourceKind, ResourceLine, Situation
from domain.origination.applications import Action, Application
from domain.products.model import ProductCategory, ProductTerms
from domain.schedules import Fee, FeeCollection
from service.adapters.security import Argon2PasswordHasher
from service.persistence.database import create_engine, create_sessionmaker
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings
from service.usecases import applicants as applicants_uc
from service.usecases import applications as applications_uc
from service.usecases import identity as uc
from service.usecases import products as products_uc
from service.usecases.idempotency import IdempotencyKey

DEMO_PASSWORD_SUFFIX = "-password"
DEMO_STAFF = [
    ("admin", "Demo Admin", Role.ADMIN),
    ("officer", "Demo Loan Officer", Role.LOAN_OFFICER),
    # Two members: the committee's default quorum is two votes, and neither prepares files.
    ("committee", "Demo Committee Member", Role.COMMITTEE_MEMBER),
    ("committee2", "Demo Second Committee Member", Role.COMMITTEE_MEMBER),
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
        staff: dict[str, Principal] = {}
        for username, full_name, role in DEMO_STAFF:
            password = f"demo-{username}{DEMO_PASSWORD_SUFFIX}"
            user = await uc.create_staff_user(
                uc.CreateStaffUser(username=username, full_name=full_name, password=password, roles=frozenset({role})),
                uow=uow(),
                hasher=hasher,
                now=now,
            )
            staff[username] = Principal(PrincipalKind.STAFF, user.id, frozenset({role}))
        partner = await uc.create_partner("Agence France Travail Paris 11", "employment_agency", uow=uow(), now=now)
        _, secret = await uc.create_api_key(partner.id, "demo key", uow=uow(), now=now)
        await uc.create_borrower(
            "Camille Martin", "camille.martin@example.org", "06 12 34 56 78", "fr", uow=uow(), now=now
        )
        await _demo_files(uow, settings, staff, now)
        print(
            "demo data loaded: staff users admin/officer/committee/committee2/viewer with password "
            f"demo-<name>-password; an approved file and a disbursed loan; partner API key {secret}"
        )
    finally:
        await engine.dispose()


async def _demo_files(
    uow: SqlUnitOfWorkFactory, settings: Settings, staff: dict[str, Principal], now: datetime
) -> None:
    """Two files walked through the real path: prepared by the officer, voted on by both committee members
    and decided by one of them; one stays approved with an open condition, the other is paid out."""
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
    product = await products_uc.create_product("PRO-MICRO", "Microcrédit professionnel", terms, uow=uow(), now=now)
    officer, committee = staff["officer"], (staff["committee"], staff["committee2"])
    people = [
        ("Amina Diallo", "amina.diallo@example.org", Decimal("8000.00"), "ouverture d'un compte professionnel"),
        ("Karim Benali", "karim.benali@example.org", Decimal("5000.00"), "devis du fournisseur signé"),
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
                amount=amount,
                currency="EUR",
                number_of_installments=36,
                purpose="Équipement de départ",
            ),
            actor=officer,
            uow=uow(),
            now=now,
        )
        for action in (Action.SUBMIT, Action.START_REVIEW, Action.SEND_TO_COMMITTEE):
            app = await applications_uc.transition(
                app.id, action, expected_version=app.version, actor=officer, uow=uow(), now=now
            )
        for member in committee:
            await applications_uc.vote(app.id, "approve", "projet solide", actor=member, uow=uow(), now=now)
        approved.append(
            await applications_uc.decide(
                app.id,
                applications_uc.CommitteeDecision(
                    decision=Action.APPROVE, comment="accord avec condition", conditions=(condition,)
                ),
                expected_version=app.version,
                actor=committee[0],
                rules=settings.committee_rules,
                uow=uow(),
                now=now,
            )
        )
    # The second file: condition met, offer, signature, and the money out on the offer's date.
    app, today = approved[1], now.date()
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
    )
    app = await applications_uc.sign_contract(
        app.id, expected_version=app.version, signed_on=today, actor=officer, uow=uow(), now=now
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
    )
