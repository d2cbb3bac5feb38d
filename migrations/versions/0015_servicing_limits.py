"""Servicing limits: a payment's external reference takes SEPA's 140-character remittance
information (the contract said 200, the column held 100); a reversal, a write-off and a
reschedule always keep their reason.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        'loan_events', 'external_reference', type_=sa.String(140), existing_type=sa.String(100), existing_nullable=True
    )
    op.create_check_constraint(
        op.f('ck_loan_events_reason'), 'loan_events', "kind = 'payment' OR (reason IS NOT NULL AND btrim(reason) <> '')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_loan_events_reason'), 'loan_events', type_='check')
    op.alter_column(
        'loan_events',
        'external_reference',
        type_=sa.String(100),
        existing_type=sa.String(140),
        existing_nullable=True,
        postgresql_using='left(external_reference, 100)',
    )
