"""Identity: staff users, partners and API keys, borrowers and their login codes.

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 12:35:38.798417
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('borrowers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borrowers')),
    sa.UniqueConstraint('email', name=op.f('uq_borrowers_email'))
    )
    op.create_table('partners',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('roles', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("roles <@ ARRAY['admin','loan_officer','committee_member','read_only']::text[] AND cardinality(roles) > 0", name=op.f('ck_staff_users_known_roles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('borrower_login_codes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('borrower_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_borrower_login_codes_attempts_not_negative')),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_borrower_login_codes_borrower_id_borrowers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_borrower_login_codes'))
    )
    op.create_index('ix_borrower_login_codes_borrower_id', 'borrower_login_codes', ['borrower_id'], unique=False)
    op.create_table('partner_api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_api_keys_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_partner_api_keys_prefix'))
    )
    op.create_index(op.f('ix_partner_api_keys_partner_id'), 'partner_api_keys', ['partner_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_partner_api_keys_partner_id'), table_name='partner_api_keys')
    op.drop_table('partner_api_keys')
    op.drop_index('ix_borrower_login_codes_borrower_id', table_name='borrower_login_codes')
    op.drop_table('borrower_login_codes')
    op.drop_table('staff_users')
    op.drop_table('partners')
    op.drop_table('borrowers')
