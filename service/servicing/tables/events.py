"""Loan events: what happened to a disbursed loan after its disbursement, append-only.

A loan's state is the replay of its contract schedule and these events (domain.servicing); the
state columns of ``loans`` and ``loan_installments`` are that replay written down.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base, created_at, uuid_pk
from service.servicing.tables.loans import AMOUNT


class LoanEventRow(Base):
    """A payment, a reversal of one, a write-off or a reschedule, with who recorded it and why.
    ``sequence`` numbers the loan's events in recording order (ties of a value date)."""

    __tablename__ = "loan_events"
    __table_args__ = (
        UniqueConstraint("loan_id", "sequence", name="uq_loan_events_loan_sequence"),
        CheckConstraint("kind IN ('payment', 'reversal', 'write_off', 'reschedule')", name="kind"),
        CheckConstraint("(kind = 'payment') = (amount IS NOT NULL AND channel IS NOT NULL)", name="payment"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal"),
        CheckConstraint("channel IS NULL OR channel IN ('direct_debit', 'transfer', 'cash', 'card')", name="channel"),
        CheckConstraint("sequence >= 1", name="sequence"),
        # A reversal, a write-off and a reschedule say why (the officer's record of the decision).
        CheckConstraint("kind = 'payment' OR (reason IS NOT NULL AND btrim(reason) <> '')", name="reason"),
        Index(
            "uq_loan_events_reverses_id", "reverses_id", unique=True, postgresql_where=text("reverses_id IS NOT NULL")
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    value_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    channel: Mapped[str | None] = mapped_column(String(20))
    external_reference: Mapped[str | None] = mapped_column(String(140))  # SEPA remittance information
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("loan_events.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    ledger_transaction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[dt.datetime] = created_at()


class LoanStatementEntryRow(Base):
    """Read model: each loan event as the loan's statement lists it (the JSON of
    ``service.servicing.ports.Transaction``), written in the transaction that records the event and
    updated when a reversal follows, so that the schedule route concatenates entries instead of
    building hundreds of objects per read. The events themselves stay facts, never rewritten."""

    __tablename__ = "loan_statement_entries"
    __table_args__ = (UniqueConstraint("loan_id", "sequence", name="uq_loan_statement_entries_loan_sequence"),)

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loan_events.id"), primary_key=True)
    loan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loans.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    entry: Mapped[str] = mapped_column(Text)
