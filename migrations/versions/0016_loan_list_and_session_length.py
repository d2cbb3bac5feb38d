"""Indexes for the staff's loan list (GET /v1/loans: by officer, product, partner or arrears
bucket, in id order) and a bound on a training session's length (no programme runs longer).

The session bound is added NOT VALID: sessions already stored that run longer (up to year 9999)
are left for a person to correct, and every new or changed session is checked.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_loans_officer_id_id', 'loans', ['officer_id', 'id'])
    op.create_index('ix_loans_product_id_id', 'loans', ['product_id', 'id'])
    op.create_index(
        'ix_loans_partner_id_id', 'loans', ['partner_id', 'id'], postgresql_where=sa.text('partner_id IS NOT NULL')
    )
    op.create_index(
        'ix_loans_arrears_bucket_id',
        'loans',
        ['arrears_bucket', 'id'],
        postgresql_where=sa.text("arrears_bucket <> 'current'"),
    )
    op.execute(
        'ALTER TABLE training_sessions ADD CONSTRAINT ck_training_sessions_length'
        ' CHECK (ends_on - starts_on < 511) NOT VALID'
    )


def downgrade() -> None:
    op.execute('ALTER TABLE training_sessions DROP CONSTRAINT ck_training_sessions_length')
    op.drop_index('ix_loans_arrears_bucket_id', table_name='loans')
    op.drop_index('ix_loans_partner_id_id', table_name='loans')
    op.drop_index('ix_loans_product_id_id', table_name='loans')
    op.drop_index('ix_loans_officer_id_id', table_name='loans')
