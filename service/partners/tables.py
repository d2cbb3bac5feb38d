"""Tables of the partners context: the referrals it follows, each partner's feed, webhooks."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import Enum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.partners.model import EventType
from domain.partners.webhooks import DeliveryStatus, EndpointStatus
from service.kernel.db.base import Base, created_at, uuid_pk
from service.kernel.db.encryption import EncryptedText


def _one_of(column: str, kinds: type[Enum]) -> str:
    return f"{column} IN ({', '.join(repr(k.value) for k in kinds)})"


class PartnerReferralRow(Base):
    """A referral as the partners context follows it (written with the referral, same transaction)."""

    __tablename__ = "partner_referrals"
    __table_args__ = (
        Index("ix_partner_referrals_partner_id_referral_id", "partner_id", "referral_id"),
        Index("ix_partner_referrals_partner_id_partner_reference", "partner_id", "partner_reference"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referrals.id"), primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicants.id"), index=True)
    partner_reference: Mapped[str | None] = mapped_column(String(100))
    share_loan_amount: Mapped[bool] = mapped_column(Boolean, default=False)
    # THE record of the referral consent's withdrawal (privacy reads it too): when, and who said it
    # (a staff user's or the partner's id; NULL when the person's erasure withdrew it).
    consent_withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    consent_withdrawn_by: Mapped[uuid.UUID | None] = mapped_column()
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PartnerFeedHeadRow(Base):
    """The last feed position given to a partner's events. Taking the next one locks this row until
    the transaction ends, so positions of one partner commit in order (see the repository)."""

    __tablename__ = "partner_feed_heads"
    __table_args__ = (CheckConstraint("position >= 1", name="position"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)


class PartnerEventRow(Base):
    __tablename__ = "partner_events"
    __table_args__ = (
        UniqueConstraint("partner_id", "position", name="uq_partner_events_partner_id_position"),
        # "Once per referral and key" (a business checkpoint is told once), enforced by the database too.
        Index(
            "uq_partner_events_referral_id_once_key",
            "referral_id",
            "once_key",
            unique=True,
            postgresql_where="once_key IS NOT NULL",
        ),
        CheckConstraint(_one_of("type", EventType), name="type"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    position: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(60))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("partner_referrals.referral_id"))
    partner_reference: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    once_key: Mapped[str | None] = mapped_column(String(100))


class WebhookEndpointRow(Base):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        Index("ix_webhook_endpoints_partner_id", "partner_id"),
        CheckConstraint(_one_of("status", EndpointStatus), name="status"),
        CheckConstraint("failed_in_a_row >= 0", name="failed_in_a_row"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    # An HMAC needs the secret itself (not a hash), so it is encrypted at rest with the personal
    # fields' keys (``python -m service rotate-encryption-key`` re-encrypts it too); shown once.
    secret: Mapped[str] = mapped_column(EncryptedText)
    previous_secret: Mapped[str | None] = mapped_column(EncryptedText)
    previous_secret_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20))
    failed_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = created_at()
    version: Mapped[int] = mapped_column(Integer, default=1)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_id_event_id"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where="status = 'pending'"),
        Index("ix_webhook_deliveries_endpoint_id_status", "endpoint_id", "status"),
        CheckConstraint(_one_of("status", DeliveryStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partner_events.id"))
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = created_at()
