"""Post-creation follow-up (issue 6): one plan per loan and its contacts with their outcomes; the
product version's follow-up template (months after the business start; NULL: the default).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('loan_product_versions',
                  sa.Column('follow_up_months', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_table('follow_up_plans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('start_source', sa.String(length=20), nullable=False),
    sa.Column('offsets_months', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("start_source IN ('project_start_date', 'disbursement_date')",
                       name=op.f('ck_follow_up_plans_start_source')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_follow_up_plans_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_plans')),
    sa.UniqueConstraint('loan_id', name=op.f('uq_follow_up_plans_loan_id'))
    )
    op.create_table('follow_up_contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('officer_id', sa.Uuid(), nullable=True),
    sa.Column('mentor_name', sa.String(length=200), nullable=True),
    sa.Column('contacted_on', sa.Date(), nullable=True),
    sa.Column('business_status', sa.String(length=20), nullable=True),
    sa.Column('revenue_band', sa.String(length=20), nullable=True),
    sa.Column('jobs_created', sa.Integer(), nullable=True),
    sa.Column('difficulties', sa.Text(), nullable=True),
    sa.Column('actions', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('recorded_by', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(officer_id IS NULL) <> (mentor_name IS NULL)', name=op.f('ck_follow_up_contacts_assignee')),
    sa.CheckConstraint('number >= 1 AND version >= 1', name=op.f('ck_follow_up_contacts_counters')),
    sa.CheckConstraint('due_on IS NOT NULL OR contacted_on IS NOT NULL',
                       name=op.f('ck_follow_up_contacts_planned_or_done')),
    sa.CheckConstraint(
        '(contacted_on IS NULL) = (business_status IS NULL) AND (contacted_on IS NULL) = (revenue_band IS NULL)'
        ' AND (contacted_on IS NULL) = (jobs_created IS NULL) AND (contacted_on IS NULL) = (actions IS NULL)'
        ' AND (contacted_on IS NULL) = (recorded_at IS NULL)',
        name=op.f('ck_follow_up_contacts_outcome_complete')),
    sa.CheckConstraint("business_status IN ('active', 'in_difficulty', 'closed')",
                       name=op.f('ck_follow_up_contacts_business_status')),
    sa.CheckConstraint("revenue_band IN ('none', 'under_10k', '10k_to_30k', '30k_to_80k', 'over_80k')",
                       name=op.f('ck_follow_up_contacts_revenue_band')),
    sa.CheckConstraint('jobs_created >= 0', name=op.f('ck_follow_up_contacts_jobs_created')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_follow_up_contacts_loan_id_loans')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_users.id'],
                            name=op.f('fk_follow_up_contacts_officer_id_staff_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['follow_up_plans.id'],
                            name=op.f('fk_follow_up_contacts_plan_id_follow_up_plans')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_users.id'],
                            name=op.f('fk_follow_up_contacts_recorded_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_contacts')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_follow_up_contacts_plan_number')
    )
    op.create_index(op.f('ix_follow_up_contacts_loan_id'), 'follow_up_contacts', ['loan_id'], unique=False)
    op.create_index(op.f('ix_follow_up_contacts_officer_id'), 'follow_up_contacts', ['officer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_follow_up_contacts_officer_id'), table_name='follow_up_contacts')
    op.drop_index(op.f('ix_follow_up_contacts_loan_id'), table_name='follow_up_contacts')
    op.drop_table('follow_up_contacts')
    op.drop_table('follow_up_plans')
    op.drop_column('loan_product_versions', 'follow_up_months')
