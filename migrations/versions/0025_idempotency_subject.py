"""An idempotency key names the person its stored reply is about (``subject_id``, the applicant), so
that an erasure deletes that person's replies by an index instead of scanning every reply's text;
and keys are purged by age (``IDEMPOTENCY_RETENTION_HOURS``) by the nightly retention run, through
an index on ``created_at``.

Zero downtime (deploy/OPERATIONS.md): a nullable column (the previous release goes on inserting
rows without it; those, and the rows written before, carry no subject and leave by age), both
indexes built CONCURRENTLY outside the migration's transaction.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 03:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")  # the column's brief exclusive lock, not the indexes' waits
    op.add_column('idempotency_keys', sa.Column('subject_id', sa.Uuid(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index(
            'ix_idempotency_keys_subject_id',
            'idempotency_keys',
            ['subject_id'],
            postgresql_where=sa.text('subject_id IS NOT NULL'),
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.create_index(
            'ix_idempotency_keys_created_at',
            'idempotency_keys',
            ['created_at'],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_idempotency_keys_created_at', 'idempotency_keys', postgresql_concurrently=True)
        op.drop_index('ix_idempotency_keys_subject_id', 'idempotency_keys', postgresql_concurrently=True)
    op.drop_column('idempotency_keys', 'subject_id')
