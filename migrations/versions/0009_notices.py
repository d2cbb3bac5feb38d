"""Notices (issue 6): the outbox of reminders and notices, keyed by their deterministic id, with
their delivery state; borrowers' channel preferences and opt-out; staff e-mail addresses, so that
a 30-day missed payment can be escalated to the loan officer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('event_key', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=10), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("recipient_kind IN ('borrower', 'staff')", name=op.f('ck_notices_recipient_kind')),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_notices_channel')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped')", name=op.f('ck_notices_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notices_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    op.create_index('ix_notices_due', 'notices', ['next_attempt_at'], unique=False,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notices_failed', 'notices', ['created_at'], unique=False,
                    postgresql_where=sa.text("status = 'failed'"))
    op.add_column('borrowers', sa.Column('notification_channels', postgresql.ARRAY(sa.Text()),
                                         server_default=sa.text("ARRAY['email', 'sms']::text[]"), nullable=False))
    op.add_column('borrowers', sa.Column('notifications_opt_out', sa.Boolean(),
                                         server_default=sa.text('false'), nullable=False))
    op.create_check_constraint('known_notification_channels', 'borrowers',
                               "notification_channels <@ ARRAY['email', 'sms']::text[]")
    op.add_column('staff_users', sa.Column('email', sa.String(length=320), nullable=True))


def downgrade() -> None:
    op.drop_column('staff_users', 'email')
    op.drop_constraint('known_notification_channels', 'borrowers', type_='check')
    op.drop_column('borrowers', 'notifications_opt_out')
    op.drop_column('borrowers', 'notification_channels')
    op.drop_index('ix_notices_failed', table_name='notices', postgresql_where=sa.text("status = 'failed'"))
    op.drop_index('ix_notices_due', table_name='notices', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('notices')
