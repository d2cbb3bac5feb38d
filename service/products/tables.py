"""Tables for loan products, their versions, legal ceilings and usury thresholds."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk

AMOUNT = Numeric(14, 4)
RATE = Numeric(9, 6)


class LoanProductRow(Base):
    __tablename__ = "loan_products"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = created_at()


class ProductVersionRow(Base):
    __tablename__ = "loan_product_versions"
    __table_args__ = (
        UniqueConstraint("product_id", "version", name="uq_loan_product_versions_product_version"),
        CheckConstraint("min_amount > 0 AND max_amount >= min_amount", name="amounts"),
        CheckConstraint(
            "min_installments >= 1 AND max_installments >= min_installments AND max_installments <= 600",
            name="installments",
        ),
        CheckConstraint("annual_interest_rate >= 0 AND annual_interest_rate <= 100", name="rate"),
        CheckConstraint("repayment_every >= 1", name="repayment_every"),
        CheckConstraint("committee_quorum >= 1", name="committee_quorum"),
        CheckConstraint("committee_majority_percent BETWEEN 0 AND 99", name="committee_majority_percent"),
        CheckConstraint("guarantor_coverage_percent >= 0 AND guarantor_coverage_percent <= 100", name="coverage"),
        CheckConstraint("installment_multiple > 0", name="installment_multiple"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loan_products.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(40))
    min_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    max_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    min_installments: Mapped[int] = mapped_column(Integer)
    max_installments: Mapped[int] = mapped_column(Integer)
    annual_interest_rate: Mapped[Decimal] = mapped_column(RATE)
    repayment_every: Mapped[int] = mapped_column(Integer)
    repayment_unit: Mapped[str] = mapped_column(String(10))
    interest_method: Mapped[str] = mapped_column(String(30))
    amortization: Mapped[str] = mapped_column(String(30))
    interest_period: Mapped[str] = mapped_column(String(20))
    day_count: Mapped[str] = mapped_column(String(20))
    max_principal_grace_installments: Mapped[int] = mapped_column(Integer)
    max_interest_grace_installments: Mapped[int] = mapped_column(Integer)
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    rounding: Mapped[str] = mapped_column(String(20))
    installment_multiple: Mapped[Decimal] = mapped_column(AMOUNT)
    requires_training: Mapped[bool] = mapped_column(Boolean)
    guarantor_coverage_percent: Mapped[Decimal] = mapped_column(RATE)
    # How loans of this version are serviced (allocation order, overpayment, late charges, buckets).
    servicing: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # Months after the business start of the follow-up contacts; NULL: the default template.
    follow_up_months: Mapped[list[int] | None] = mapped_column(JSONB)
    # The credit committee's quorum and majority for this version's files; NULL: the settings' default.
    committee_quorum: Mapped[int | None] = mapped_column(Integer)
    committee_majority_percent: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = created_at()


class LegalCeilingRow(Base):
    __tablename__ = "legal_ceilings"
    __table_args__ = (
        CheckConstraint("max_total_outstanding > 0", name="amount"),
        CheckConstraint("max_duration_months > 0", name="duration"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    category: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    max_total_outstanding: Mapped[Decimal] = mapped_column(AMOUNT)
    max_duration_months: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at()


class UsuryThresholdRow(Base):
    __tablename__ = "usury_thresholds"
    __table_args__ = (
        CheckConstraint("amount_above >= 0 AND (amount_up_to IS NULL OR amount_up_to > amount_above)", name="bracket"),
        CheckConstraint("max_rate > 0 AND max_rate <= 100", name="rate"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    category: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    amount_above: Mapped[Decimal] = mapped_column(AMOUNT)
    amount_up_to: Mapped[Decimal | None] = mapped_column(AMOUNT)
    max_rate: Mapped[Decimal] = mapped_column(RATE)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at()
