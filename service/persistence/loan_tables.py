"""Tables for loans, their schedules and disbursements, the double-entry ledger and the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.persistence.base import Base, created_at, uuid_pk

AMOUNT = Numeric(14, 4)


class LoanRow(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal"),
        CheckConstraint("status IN ('active', 'closed', 'written_off')", name="status"),
        Index("ix_loans_applicant_id", "applicant_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loan_products.id"))
    product_version: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    principal: Mapped[Decimal] = mapped_column(AMOUNT)
    annual_interest_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    apr: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    status: Mapped[str] = mapped_column(String(20))
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at()


class LoanInstallmentRow(Base):
    __tablename__ = "loan_installments"
    __table_args__ = (
        CheckConstraint(
            "principal >= 0 AND interest >= 0 AND fees >= 0 AND principal_remaining >= 0", name="not_negative"
        ),
        CheckConstraint("total = principal + interest + fees", name="total"),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(AMOUNT)
    interest: Mapped[Decimal] = mapped_column(AMOUNT)
    fees: Mapped[Decimal] = mapped_column(AMOUNT)
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    principal_remaining: Mapped[Decimal] = mapped_column(AMOUNT)


class DisbursementRow(Base):
    __tablename__ = "disbursements"
    __table_args__ = (
        CheckConstraint("amount > 0 AND fees_withheld >= 0 AND fees_withheld <= amount", name="amounts"),
        UniqueConstraint("application_id", "tranche", name="uq_disbursements_application_tranche"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"))
    tranche: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    fees_withheld: Mapped[Decimal] = mapped_column(AMOUNT)
    value_date: Mapped[dt.date] = mapped_column(Date)
    ledger_transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = created_at()


class LedgerTransactionRow(Base):
    """A balanced set of entries. Append-only: corrections are reversing transactions."""

    __tablename__ = "ledger_transactions"

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(40))
    loan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loans.id"), index=True)
    value_date: Mapped[dt.date] = mapped_column(Date)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    created_at: Mapped[dt.datetime] = created_at()


class LedgerEntryRow(Base):
    """One leg: a signed amount (debit positive, credit negative) on an account, for a loan or not.
    A deferred constraint trigger refuses a transaction whose legs do not sum to zero per currency."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="not_zero"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency"),
        Index("ix_ledger_entries_loan_id_account", "loan_id", "account"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    loan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loans.id"))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))


class OutboxEventRow(Base):
    """Events written in the same transaction as the change that caused them; a relay publishes them."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_unpublished", "id", postgresql_where="published_at IS NULL"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    topic: Mapped[str] = mapped_column(String(60))
    aggregate_id: Mapped[uuid.UUID] = mapped_column()
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = created_at()
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
