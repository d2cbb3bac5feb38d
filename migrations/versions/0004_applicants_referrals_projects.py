"""Applicants (one record per person), partner referrals, business projects and idempotency keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 13:02:00.233481
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('scope', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('scope', 'key', name='uq_idempotency_keys_scope_key')
    )
    op.create_table('applicants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('search_name', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('situation', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('stage_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('officer_id', sa.Uuid(), nullable=True),
    sa.Column('borrower_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('email IS NOT NULL OR phone IS NOT NULL', name=op.f('ck_applicants_contact')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_applicants_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_users.id'], name=op.f('fk_applicants_officer_id_staff_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_applicants_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applicants')),
    sa.UniqueConstraint('borrower_id', name=op.f('uq_applicants_borrower_id'))
    )
    op.create_index('ix_applicants_name_search', 'applicants', ['search_name'], unique=False)
    op.create_index('ix_applicants_officer_id', 'applicants', ['officer_id'], unique=False)
    op.create_index('ix_applicants_partner_id', 'applicants', ['partner_id'], unique=False)
    op.create_index('ix_applicants_stage', 'applicants', ['stage'], unique=False)
    op.create_index('uq_applicants_email', 'applicants', ['email'], unique=True, postgresql_where='email IS NOT NULL')
    op.create_index('uq_applicants_phone', 'applicants', ['phone'], unique=True, postgresql_where='phone IS NOT NULL')
    op.create_table('business_projects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('legal_status', sa.String(length=60), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('needs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('resources', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('guarantors', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('documents', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("siret IS NULL OR siret ~ '^[0-9]{14}$'", name=op.f('ck_business_projects_siret')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_business_projects_applicant_id_applicants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_projects')),
    sa.UniqueConstraint('applicant_id', name='uq_business_projects_applicant_id')
    )
    op.create_index(op.f('ix_business_projects_siret'), 'business_projects', ['siret'], unique=False)
    op.create_table('referrals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('situation', sa.String(length=40), nullable=False),
    sa.Column('project_idea', sa.Text(), nullable=False),
    sa.Column('partner_contact_name', sa.String(length=200), nullable=False),
    sa.Column('partner_contact_email', sa.String(length=320), nullable=False),
    sa.Column('consent_given_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_referrals_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_referrals_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    op.create_index(op.f('ix_referrals_applicant_id'), 'referrals', ['applicant_id'], unique=False)
    op.create_index('ix_referrals_partner_id_id', 'referrals', ['partner_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('idempotency_keys')
    op.drop_index('ix_referrals_partner_id_id', table_name='referrals')
    op.drop_index(op.f('ix_referrals_applicant_id'), table_name='referrals')
    op.drop_table('referrals')
    op.drop_index(op.f('ix_business_projects_siret'), table_name='business_projects')
    op.drop_table('business_projects')
    op.drop_index('uq_applicants_phone', table_name='applicants', postgresql_where='phone IS NOT NULL')
    op.drop_index('uq_applicants_email', table_name='applicants', postgresql_where='email IS NOT NULL')
    op.drop_index('ix_applicants_stage', table_name='applicants')
    op.drop_index('ix_applicants_partner_id', table_name='applicants')
    op.drop_index('ix_applicants_officer_id', table_name='applicants')
    op.drop_index('ix_applicants_name_search', table_name='applicants')
    op.drop_table('applicants')
