"""Disbursed loans for servicing tests, made in a few statements instead of the whole origination.

The rows are what origination writes (product, applicant, disbursed application, loan with its
contract schedule and state, disbursement ledger transaction), so every servicing route works on
them exactly as on a loan that went through the API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.ids import new_id
from domain.ledger.model import disbursement_transaction
from domain.loans.model import Loan
from domain.products.model import LoanProduct, ProductCategory, ProductTerms, ProductVersion
from domain.schedules import Installment, ScheduleTerms, build_schedule
from domain.servicing import ServicingTerms
from service.kernel.db.mapping import search_form
from service.origination.tables.applicants import ApplicantRow
from service.origination.tables.applications import ApplicationRow
from service.wiring import SqlUnitOfWorkFactory

D = Decimal


@dataclass(frozen=True)
class MadeLoan:
    id: uuid.UUID
    applicant_id: uuid.UUID
    product_id: uuid.UUID
    schedule: tuple[Installment, ...]
    servicing: ServicingTerms
    disbursed_on: date


async def make_product(
    uow_factory: SqlUnitOfWorkFactory,
    servicing: ServicingTerms | None = None,
    *,
    category: ProductCategory = ProductCategory.PROFESSIONAL_MICROCREDIT,
    max_installments: int = 60,
    max_principal_grace_installments: int = 3,
    max_interest_grace_installments: int = 0,
    rate: str = "7.45",
) -> uuid.UUID:
    now = datetime.now(UTC)
    product_id = new_id()
    terms = ProductTerms(
        currency="EUR",
        category=category,
        min_amount=D("100.00"),
        max_amount=D("12000.00"),
        min_installments=1,
        max_installments=max_installments,
        annual_interest_rate=D(rate),
        max_principal_grace_installments=max_principal_grace_installments,
        max_interest_grace_installments=max_interest_grace_installments,
        servicing=servicing,
    )
    version = ProductVersion(id=new_id(), product_id=product_id, version=1, terms=terms, created_at=now)
    product = LoanProduct(
        id=product_id,
        code=f"P{product_id.hex[-12:].upper()}",
        name="Test product",
        active=True,
        created_at=now,
        current=version,
    )
    async with uow_factory() as uow:
        await uow.products.add(product)
        await uow.commit()
    return product_id


async def make_loan(
    uow_factory: SqlUnitOfWorkFactory,
    *,
    officer_id: uuid.UUID,
    product_id: uuid.UUID | None = None,
    principal: str = "3000.00",
    rate: str = "7.45",
    installments: int = 12,
    disbursed_on: date = date(2026, 1, 15),
    first_due_date: date | None = None,
    servicing: ServicingTerms | None = None,
    borrower_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    borrower_name: str = "Test Borrower",
    borrower_phone: str | None = None,
) -> MadeLoan:
    """A loan disbursed on ``disbursed_on``, monthly annuity, with the product's servicing terms."""
    servicing = servicing or ServicingTerms(currency="EUR")
    product_id = product_id or await make_product(uow_factory, servicing)
    schedule = build_schedule(
        ScheduleTerms(
            principal=D(principal),
            currency="EUR",
            annual_interest_rate=D(rate),
            number_of_installments=installments,
            disbursement_date=disbursed_on,
            first_due_date=first_due_date
            or date(disbursed_on.year + disbursed_on.month // 12, disbursed_on.month % 12 + 1, disbursed_on.day),
        )
    ).installments
    applicant_id, application_id, loan_id = new_id(), new_id(), new_id()
    async with uow_factory() as uow:
        session = uow.session
        session.add(
            ApplicantRow(
                id=applicant_id,
                full_name=borrower_name,
                search_name=search_form(borrower_name),
                email=f"{applicant_id.hex}@example.org",
                phone=borrower_phone,
                situation="job_seeker",
                stage="financed",
                partner_id=partner_id,
                officer_id=officer_id,
                borrower_id=borrower_id,
            )
        )
        await session.flush()
        session.add(
            ApplicationRow(
                id=application_id,
                applicant_id=applicant_id,
                officer_id=officer_id,
                product_id=product_id,
                product_version=1,
                currency="EUR",
                amount=D(principal),
                number_of_installments=installments,
                principal_grace_installments=0,
                purpose="test",
                status="disbursed",
                conditions=[],
                rejection_reasons=[],
                eligibility=[],
                offer=None,
                signed_on=disbursed_on,
                disbursed_amount=D(principal),
            )
        )
        await session.flush()
        await uow.loans.add(
            Loan(
                id=loan_id,
                application_id=application_id,
                applicant_id=applicant_id,
                officer_id=officer_id,
                product_id=product_id,
                product_version=1,
                currency="EUR",
                principal=D(principal),
                annual_interest_rate=D(rate),
                apr=D(rate),
                status="active",
                disbursed_on=disbursed_on,
                installments=schedule,
                servicing=servicing,
                partner_id=partner_id,
            )
        )
        await uow.ledger.post(
            disbursement_transaction(
                new_id(), loan_id, amount=D(principal), fees_withheld=D(0), currency="EUR", value_date=disbursed_on
            )
        )
        await uow.commit()
    return MadeLoan(loan_id, applicant_id, product_id, schedule, servicing, disbursed_on)
