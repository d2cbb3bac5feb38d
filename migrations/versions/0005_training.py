"""Training programmes, their sessions (cohorts), enrolments and daily attendance.

One place per person and session (a partial unique index: a moved enrolment is history and does not
count), one attendance record per enrolment and day, capacity and dates checked by the database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training_programmes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('provider_partner_id', sa.Uuid(), nullable=True),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('min_attendance_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_days BETWEEN 1 AND 365', name=op.f('ck_training_programmes_duration_days')),
    sa.CheckConstraint('min_attendance_percent >= 0 AND min_attendance_percent <= 100', name=op.f('ck_training_programmes_min_attendance')),
    sa.ForeignKeyConstraint(['provider_partner_id'], ['partners.id'], name=op.f('fk_training_programmes_provider_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_programmes'))
    )
    op.create_index(op.f('ix_training_programmes_provider_partner_id'), 'training_programmes', ['provider_partner_id'], unique=False)
    op.create_table('training_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('programme_id', sa.Uuid(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('trainer', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity BETWEEN 1 AND 200', name=op.f('ck_training_sessions_capacity')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_training_sessions_dates')),
    sa.ForeignKeyConstraint(['programme_id'], ['training_programmes.id'], name=op.f('fk_training_sessions_programme_id_training_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    op.create_index('ix_training_sessions_programme_id_starts_on', 'training_sessions', ['programme_id', 'starts_on'], unique=False)
    op.create_index('ix_training_sessions_starts_on', 'training_sessions', ['starts_on'], unique=False)
    op.create_table('enrolments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('moved_to_enrolment_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint("status IN ('enrolled', 'moved', 'completed', 'dropped')", name=op.f('ck_enrolments_status')),
    sa.CheckConstraint("(status = 'completed') = (completed_on IS NOT NULL)", name=op.f('ck_enrolments_completed_on')),
    sa.CheckConstraint("(status = 'moved') = (moved_to_enrolment_id IS NOT NULL)", name=op.f('ck_enrolments_moved_to')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_enrolments_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['moved_to_enrolment_id'], ['enrolments.id'], name=op.f('fk_enrolments_moved_to_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_enrolments_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments'))
    )
    op.create_index('ix_enrolments_applicant_id', 'enrolments', ['applicant_id'], unique=False)
    op.create_index('uq_enrolments_session_id_applicant_id', 'enrolments', ['session_id', 'applicant_id'], unique=True, postgresql_where="status <> 'moved'")
    op.create_table('attendance',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('enrolment_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_attendance_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_users.id'], name=op.f('fk_attendance_recorded_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('enrolment_id', 'day', name='uq_attendance_enrolment_id_day')
    )


def downgrade() -> None:
    op.drop_table('attendance')
    op.drop_index('uq_enrolments_session_id_applicant_id', table_name='enrolments', postgresql_where="status <> 'moved'")
    op.drop_index('ix_enrolments_applicant_id', table_name='enrolments')
    op.drop_table('enrolments')
    op.drop_index('ix_training_sessions_starts_on', table_name='training_sessions')
    op.drop_index('ix_training_sessions_programme_id_starts_on', table_name='training_sessions')
    op.drop_table('training_sessions')
    op.drop_index(op.f('ix_training_programmes_provider_partner_id'), table_name='training_programmes')
    op.drop_table('training_programmes')
