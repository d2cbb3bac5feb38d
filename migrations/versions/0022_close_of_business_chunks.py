"""The close of business is split into chunks planned at its start, which any worker may claim
(``FOR UPDATE SKIP LOCKED``): several workers share a run, and a dead worker's chunk is claimed
again. A new, empty table: no lock on existing ones beyond the foreign key's reference check.

Revision ID: 0022
Revises: 0020
Create Date: 2026-11-30 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'close_of_business_chunks',
        sa.Column('business_date', sa.Date(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('after_loan_id', sa.Uuid(), nullable=False),
        sa.Column('last_loan_id', sa.Uuid(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('loans_aged', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('installments_updated', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('loans_refreshed', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.CheckConstraint('after_loan_id < last_loan_id', name=op.f('ck_close_of_business_chunks_range')),
        sa.CheckConstraint(
            'loans_aged >= 0 AND installments_updated >= 0 AND loans_refreshed >= 0',
            name=op.f('ck_close_of_business_chunks_counts'),
        ),
        sa.ForeignKeyConstraint(
            ['business_date'],
            ['close_of_business_runs.business_date'],
            name=op.f('fk_close_of_business_chunks_business_date_close_of_business_runs'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('business_date', 'number', name=op.f('pk_close_of_business_chunks')),
    )


def downgrade() -> None:
    op.drop_table('close_of_business_chunks')
