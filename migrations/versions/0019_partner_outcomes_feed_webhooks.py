"""Partners follow the people they referred (issue 14): the referrals the partners context follows
(with the partner's own reference and the separate consent to share the loan amount), each partner's
ordered feed of events, webhook endpoints and the deliveries outbox; sandbox (test) API keys and the
made-up people they refer, unique apart from real people.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_TYPES = (
    "'referral.contacted', 'referral.training_started', 'referral.training_completed', "
    "'referral.application_submitted', 'referral.approved', 'referral.declined', 'referral.loan_disbursed', "
    "'referral.business_checkpoint', 'referral.withdrawn', 'webhook.endpoint_disabled'"
)


def upgrade() -> None:
    op.add_column("partner_api_keys", sa.Column("test", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("applicants", sa.Column("test", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.drop_index("uq_applicants_email", table_name="applicants")
    op.drop_index("uq_applicants_phone", table_name="applicants")
    op.create_index(
        "uq_applicants_email", "applicants", ["email", "test"], unique=True, postgresql_where="email IS NOT NULL"
    )
    op.create_index(
        "uq_applicants_phone", "applicants", ["phone", "test"], unique=True, postgresql_where="phone IS NOT NULL"
    )
    op.create_table(
        "partner_referrals",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("applicant_id", sa.Uuid(), nullable=False),
        sa.Column("partner_reference", sa.String(length=100), nullable=True),
        sa.Column("share_loan_amount", sa.Boolean(), nullable=False),
        sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_withdrawn_by", sa.Uuid(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_partner_referrals_applicant_id_applicants")
        ),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_partner_referrals_partner_id_partners")),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_partner_referrals_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_partner_referrals")),
    )
    op.create_index(op.f("ix_partner_referrals_applicant_id"), "partner_referrals", ["applicant_id"])
    op.create_index("ix_partner_referrals_partner_id_referral_id", "partner_referrals", ["partner_id", "referral_id"])
    op.create_index(
        "ix_partner_referrals_partner_id_partner_reference", "partner_referrals", ["partner_id", "partner_reference"]
    )
    # Referrals made before this revision are followed too, without a reference or the amount consent.
    op.execute(
        """
        INSERT INTO partner_referrals (referral_id, partner_id, applicant_id, share_loan_amount, test, referred_at)
        SELECT id, partner_id, applicant_id, false, false, created_at FROM referrals
        """
    )
    op.create_table(
        "partner_feed_heads",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("position >= 1", name=op.f("ck_partner_feed_heads_position")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_partner_feed_heads_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_feed_heads")),
    )
    op.create_table(
        "partner_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("partner_reference", sa.String(length=100), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("once_key", sa.String(length=100), nullable=True),
        sa.CheckConstraint(f"type IN ({EVENT_TYPES})", name=op.f("ck_partner_events_type")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_partner_events_position")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_partner_events_partner_id_partners")),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["partner_referrals.referral_id"],
            name=op.f("fk_partner_events_referral_id_partner_referrals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_events")),
        sa.UniqueConstraint("partner_id", "position", name="uq_partner_events_partner_id_position"),
    )
    op.create_index(
        "uq_partner_events_referral_id_once_key",
        "partner_events",
        ["referral_id", "once_key"],
        unique=True,
        postgresql_where="once_key IS NOT NULL",
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failed_in_a_row", sa.Integer(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_webhook_endpoints_status")),
        sa.CheckConstraint("failed_in_a_row >= 0", name=op.f("ck_webhook_endpoints_failed_in_a_row")),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_webhook_endpoints_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index("ix_webhook_endpoints_partner_id", "webhook_endpoints", ["partner_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'cancelled')", name=op.f("ck_webhook_deliveries_status")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_webhook_deliveries_attempts")),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["webhook_endpoints.id"], name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["partner_events.id"], name=op.f("fk_webhook_deliveries_event_id_partner_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_id_event_id"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"], postgresql_where="status = 'pending'"
    )
    op.create_index("ix_webhook_deliveries_endpoint_id_status", "webhook_deliveries", ["endpoint_id", "status"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("partner_events")
    op.drop_table("partner_feed_heads")
    op.drop_table("partner_referrals")
    # Sandbox people go first: without the test column they could collide with real ones. (A
    # sandbox person with an application or a loan stops the downgrade: delete that data by hand.)
    op.execute("DELETE FROM referrals WHERE applicant_id IN (SELECT id FROM applicants WHERE test)")
    op.execute("DELETE FROM business_projects WHERE applicant_id IN (SELECT id FROM applicants WHERE test)")
    op.execute("DELETE FROM applicants WHERE test")
    op.drop_index("uq_applicants_email", table_name="applicants")
    op.drop_index("uq_applicants_phone", table_name="applicants")
    op.create_index("uq_applicants_email", "applicants", ["email"], unique=True, postgresql_where="email IS NOT NULL")
    op.create_index("uq_applicants_phone", "applicants", ["phone"], unique=True, postgresql_where="phone IS NOT NULL")
    op.drop_column("applicants", "test")
    op.drop_column("partner_api_keys", "test")
