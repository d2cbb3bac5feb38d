"""Tables of the close of business: its progress per business date and the portfolio's daily figures.

Also the index the nightly run reads instalments through: only those in arrears (due and unpaid)
and the rare zero-amount ones, so that ageing a million loans does not read 36 million rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.kernel.db.base import Base
from service.servicing.tables.loans import LoanInstallmentRow

FIGURE = Numeric(18, 4)
# Instalments the close of business may have to change: due and unpaid, or of zero amount (their
# status and lateness dates move without any money owed).
IN_ARREARS = (
    "status IN ('due', 'late', 'partially_paid')"
    " OR (status IN ('not_due', 'paid') AND principal_due + interest_due + fees_due + penalties_due = 0)"
)

Index(
    "ix_loan_installments_in_arrears",
    LoanInstallmentRow.__table__.c.loan_id,
    postgresql_where=text(IN_ARREARS),
)


class CloseOfBusinessRunRow(Base):
    """A close of business for one business date: when it started and finished, and the chunks done
    with their counts (the chunks themselves are ``close_of_business_chunks``). ``last_loan_id`` was
    the progress mark of one worker's keyset walk before revision 0022; no longer written."""

    __tablename__ = "close_of_business_runs"
    __table_args__ = (
        CheckConstraint(
            "chunks >= 0 AND loans_aged >= 0 AND installments_updated >= 0 AND loans_refreshed >= 0", name="counts"
        ),
    )

    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_loan_id: Mapped[uuid.UUID | None] = mapped_column()
    chunks: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    loans_aged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    installments_updated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    loans_refreshed: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class CloseOfBusinessChunkRow(Base):
    """A chunk of a close of business: the active loans with ids in (after_loan_id, last_loan_id],
    planned when the run starts. Any worker claims a chunk not done (``FOR UPDATE SKIP LOCKED``,
    held while it works on it), so several workers share a run and a dead one's chunk is taken
    again by the next claimant."""

    __tablename__ = "close_of_business_chunks"
    __table_args__ = (
        CheckConstraint("after_loan_id < last_loan_id", name="range"),
        CheckConstraint("loans_aged >= 0 AND installments_updated >= 0 AND loans_refreshed >= 0", name="counts"),
    )

    business_date: Mapped[dt.date] = mapped_column(
        Date, ForeignKey("close_of_business_runs.business_date", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    after_loan_id: Mapped[uuid.UUID] = mapped_column()
    last_loan_id: Mapped[uuid.UUID] = mapped_column()
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    loans_aged: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    installments_updated: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    loans_refreshed: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class PortfolioDailyRow(Base):
    """The portfolio at the close of a business date, per currency, product, officer and partner
    (none for loans nobody referred): active loans, gross outstanding principal, the principal of
    loans more than 30 and 90 days past due (PAR30/PAR90 numerators, CGAP), loans per bucket."""

    __tablename__ = "portfolio_daily"
    __table_args__ = (
        CheckConstraint(
            "active_loans >= 0 AND gross_outstanding >= 0 AND par90_outstanding <= par30_outstanding"
            " AND par30_outstanding <= gross_outstanding AND par90_outstanding >= 0",
            name="figures",
        ),
        Index(
            "uq_portfolio_daily_group",
            "business_date",
            "currency",
            "product_id",
            "officer_id",
            "partner_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("loan_products.id"))
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_users.id"))
    partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partners.id"))
    active_loans: Mapped[int] = mapped_column(Integer)
    gross_outstanding: Mapped[Decimal] = mapped_column(FIGURE)
    par30_outstanding: Mapped[Decimal] = mapped_column(FIGURE)
    par90_outstanding: Mapped[Decimal] = mapped_column(FIGURE)
    loans_by_bucket: Mapped[dict[str, Any]] = mapped_column(JSONB)
