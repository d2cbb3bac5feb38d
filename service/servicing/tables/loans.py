"""Tables for loans, their schedules and disbursements, the double-entry ledger and the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk

AMOUNT = Numeric(14, 4)
UNPAID = "outstanding > 0 AND status IN ('due', 'late', 'partially_paid', 'not_due')"


class LoanRow(Base):
    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal"),
        CheckConstraint("status IN ('active', 'closed', 'written_off')", name="status"),
        CheckConstraint("outstanding_principal >= 0 AND credit_balance >= 0", name="balances"),
        CheckConstraint("days_past_due >= 0 AND event_count >= 0", name="counters"),
        Index("ix_loans_applicant_id", "applicant_id"),
        Index("ix_loans_active_id", "id", postgresql_where=text("status = 'active'")),
        # The staff's loan list (GET /v1/loans) filters on these and reads in id order.
        Index("ix_loans_officer_id_id", "officer_id", "id"),
        Index("ix_loans_product_id_id", "product_id", "id"),
        Index("ix_loans_partner_id_id", "partner_id", "id", postgresql_where=text("partner_id IS NOT NULL")),
        Index(
            "ix_loans_arrears_bucket_id", "arrears_bucket", "id", postgresql_where=text("arrears_bucket <> 'current'")
        ),
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
    # Who brought the borrower (for the portfolio by partner), copied from the applicant.
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"))
    # The product version's servicing terms, fixed at disbursement (see domain.servicing.ServicingTerms).
    servicing: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # The state as of the last recorded event or close of business, derived by the replay.
    outstanding_principal: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    credit_balance: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    days_past_due: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    arrears_bucket: Mapped[str] = mapped_column(String(20), server_default=text("'current'"))
    next_due_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    written_off_on: Mapped[dt.date | None] = mapped_column(Date)
    event_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    state_as_of: Mapped[dt.date | None] = mapped_column(Date)


class LoanInstallmentRow(Base):
    __tablename__ = "loan_installments"
    __table_args__ = (
        CheckConstraint(
            "principal >= 0 AND interest >= 0 AND fees >= 0 AND principal_remaining >= 0", name="not_negative"
        ),
        CheckConstraint("total = principal + interest + fees", name="total"),
        CheckConstraint("origin IN ('contract', 'reschedule')", name="origin"),
        CheckConstraint(
            "schedule_version >= 0 AND (schedule_version = 0) = (origin = 'contract')", name="schedule_version"
        ),
        CheckConstraint(
            "status IN ('paid', 'partially_paid', 'due', 'late', 'not_due', 'cancelled', 'rescheduled', 'written_off')",
            name="status",
        ),
        CheckConstraint(
            "principal_paid >= 0 AND interest_paid >= 0 AND fees_paid >= 0 AND penalties_paid >= 0"
            " AND principal_paid <= principal_due AND outstanding >= 0 AND days_past_due >= 0",
            name="state",
        ),
        # The close of business looks only at instalments still owing something.
        Index("ix_loan_installments_unpaid", "due_date", postgresql_where=text(UNPAID)),
    )

    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(AMOUNT)
    interest: Mapped[Decimal] = mapped_column(AMOUNT)
    fees: Mapped[Decimal] = mapped_column(AMOUNT)
    total: Mapped[Decimal] = mapped_column(AMOUNT)
    principal_remaining: Mapped[Decimal] = mapped_column(AMOUNT)
    # "contract" rows are the signed schedule the replay starts from; "reschedule" rows came later.
    origin: Mapped[str] = mapped_column(String(12), server_default=text("'contract'"))
    # 0 for the contract's schedule, else the sequence of the reschedule event that drew it up.
    schedule_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The instalment as of ``loans.state_as_of`` (see domain.servicing.InstallmentState).
    principal_due: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    interest_due: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    fees_due: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    penalties_due: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    principal_paid: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    interest_paid: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    fees_paid: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    penalties_paid: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    written_off: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    rescheduled: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    outstanding: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    status: Mapped[str] = mapped_column(String(20), server_default=text("'not_due'"))
    days_past_due: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Lateness charges, kept so that the close of business can add a day without a replay:
    # the late fee charged, the sum over late days of overdue principal + interest, the last day
    # charged, and the penalty interest (that sum x rate / 365, rounded once).
    late_fee: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    carried_penalties: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    late_amount_days: Mapped[Decimal] = mapped_column(Numeric(20, 4), server_default=text("0"))
    charged_through: Mapped[dt.date | None] = mapped_column(Date)
    penalty_interest: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))


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
