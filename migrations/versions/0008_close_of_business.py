"""Close of business: one progress row per business date (so a run killed halfway resumes where
it stopped), the portfolio's daily figures per product, officer and partner, and an index on the
instalments in arrears so that the nightly run reads only those, not every instalment.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = sa.Numeric(precision=18, scale=4)
IN_ARREARS = (
    "status IN ('due', 'late', 'partially_paid')"
    " OR (status IN ('not_due', 'paid') AND principal_due + interest_due + fees_due + penalties_due = 0)"
)


def upgrade() -> None:
    op.create_table('close_of_business_runs',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_loan_id', sa.Uuid(), nullable=True),
    sa.Column('chunks', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('loans_aged', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('installments_updated', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('loans_refreshed', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint('chunks >= 0 AND loans_aged >= 0 AND installments_updated >= 0 AND loans_refreshed >= 0', name=op.f('ck_close_of_business_runs_counts')),
    sa.PrimaryKeyConstraint('business_date', name=op.f('pk_close_of_business_runs'))
    )
    op.create_table('portfolio_daily',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('active_loans', sa.Integer(), nullable=False),
    sa.Column('gross_outstanding', AMOUNT, nullable=False),
    sa.Column('par30_outstanding', AMOUNT, nullable=False),
    sa.Column('par90_outstanding', AMOUNT, nullable=False),
    sa.Column('loans_by_bucket', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint('active_loans >= 0 AND gross_outstanding >= 0 AND par90_outstanding <= par30_outstanding AND par30_outstanding <= gross_outstanding AND par90_outstanding >= 0', name=op.f('ck_portfolio_daily_figures')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_users.id'], name=op.f('fk_portfolio_daily_officer_id_staff_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_portfolio_daily_partner_id_partners')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_portfolio_daily_product_id_loan_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_daily'))
    )
    op.create_index('uq_portfolio_daily_group', 'portfolio_daily',
                    ['business_date', 'currency', 'product_id', 'officer_id', 'partner_id'], unique=True,
                    postgresql_nulls_not_distinct=True)
    op.create_index('ix_loan_installments_in_arrears', 'loan_installments', ['loan_id'], unique=False,
                    postgresql_where=sa.text(IN_ARREARS))


def downgrade() -> None:
    op.drop_index('ix_loan_installments_in_arrears', table_name='loan_installments',
                  postgresql_where=sa.text(IN_ARREARS))
    op.drop_index('uq_portfolio_daily_group', table_name='portfolio_daily', postgresql_nulls_not_distinct=True)
    op.drop_table('portfolio_daily')
    op.drop_table('close_of_business_runs')
