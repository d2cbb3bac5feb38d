"""Loan products with their versions, legal ceilings and usury thresholds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 12:47:17.910077
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('legal_ceilings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('max_total_outstanding', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('max_duration_months', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('max_duration_months > 0', name=op.f('ck_legal_ceilings_duration')),
    sa.CheckConstraint('max_total_outstanding > 0', name=op.f('ck_legal_ceilings_amount')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_legal_ceilings_validity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_ceilings'))
    )
    op.create_table('loan_products',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_products')),
    sa.UniqueConstraint('code', name=op.f('uq_loan_products_code'))
    )
    op.create_table('usury_thresholds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_above', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('amount_up_to', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('max_rate', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount_above >= 0 AND (amount_up_to IS NULL OR amount_up_to > amount_above)', name=op.f('ck_usury_thresholds_bracket')),
    sa.CheckConstraint('max_rate > 0 AND max_rate <= 100', name=op.f('ck_usury_thresholds_rate')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_usury_thresholds_validity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usury_thresholds'))
    )
    op.create_table('loan_product_versions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('min_amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('max_amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('min_installments', sa.Integer(), nullable=False),
    sa.Column('max_installments', sa.Integer(), nullable=False),
    sa.Column('annual_interest_rate', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('repayment_every', sa.Integer(), nullable=False),
    sa.Column('repayment_unit', sa.String(length=10), nullable=False),
    sa.Column('interest_method', sa.String(length=30), nullable=False),
    sa.Column('amortization', sa.String(length=30), nullable=False),
    sa.Column('interest_period', sa.String(length=20), nullable=False),
    sa.Column('day_count', sa.String(length=20), nullable=False),
    sa.Column('max_principal_grace_installments', sa.Integer(), nullable=False),
    sa.Column('max_interest_grace_installments', sa.Integer(), nullable=False),
    sa.Column('fees', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('rounding', sa.String(length=20), nullable=False),
    sa.Column('installment_multiple', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('requires_training', sa.Boolean(), nullable=False),
    sa.Column('guarantor_coverage_percent', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_loan_product_versions_currency')),
    sa.CheckConstraint('annual_interest_rate >= 0 AND annual_interest_rate <= 100', name=op.f('ck_loan_product_versions_rate')),
    sa.CheckConstraint('guarantor_coverage_percent >= 0 AND guarantor_coverage_percent <= 100', name=op.f('ck_loan_product_versions_coverage')),
    sa.CheckConstraint('installment_multiple > 0', name=op.f('ck_loan_product_versions_installment_multiple')),
    sa.CheckConstraint('min_amount > 0 AND max_amount >= min_amount', name=op.f('ck_loan_product_versions_amounts')),
    sa.CheckConstraint('min_installments >= 1 AND max_installments >= min_installments AND max_installments <= 600', name=op.f('ck_loan_product_versions_installments')),
    sa.CheckConstraint('repayment_every >= 1', name=op.f('ck_loan_product_versions_repayment_every')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_loan_product_versions_product_id_loan_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_product_versions')),
    sa.UniqueConstraint('product_id', 'version', name='uq_loan_product_versions_product_version')
    )
    op.create_index(op.f('ix_loan_product_versions_product_id'), 'loan_product_versions', ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_loan_product_versions_product_id'), table_name='loan_product_versions')
    op.drop_table('loan_product_versions')
    op.drop_table('usury_thresholds')
    op.drop_table('loan_products')
    op.drop_table('legal_ceilings')
