"""Personal data (issue 15): the privacy context's tables (holds on erasure, audit of reads,
rectifications, retention runs; the referral consent and its
withdrawal live in ``partner_referrals``, migration 0019), ``applicants.erased_at``, and a controlled
exception to the append-only rule of the event tables.

Append-only, and why anonymisation may still touch two event tables:
- ``ledger_entries`` and ``ledger_transactions`` stay strictly append-only (``refuse_change``):
  they hold no personal data, only amounts and the loan's id; erasure never touches them.
- ``application_events`` and ``loan_events`` hold free text written by staff (``reason``, and the
  SEPA remittance text ``external_reference``) that may name the person. Their trigger now lets an
  UPDATE through only when the transaction set ``privacy.anonymising`` to ``on``
  (``SET LOCAL``, done only by service/privacy/repositories.py) AND the update changes nothing but
  the columns named in the trigger's arguments. Amounts, dates, kinds, sequences and the replay's
  ``details`` can never change; DELETE stays refused.
- ``privacy_read_audit`` is append-only without exception; ``privacy_rectifications`` lets the
  anonymisation clear its free-text ``reason`` only.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSE_CHANGE_EXCEPT_ANONYMISING = """
CREATE FUNCTION refuse_change_except_anonymising() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('privacy.anonymising', true) = 'on'
       AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows are append-only: post a reversal instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$"""

# (table, trigger, columns the anonymisation may clear)
GUARDED = [
    ("application_events", "application_events_append_only", ["reason"]),
    ("loan_events", "loan_events_append_only", ["reason", "external_reference"]),
]


def _trigger(table: str, name: str, function: str) -> str:
    return f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}"


def upgrade() -> None:
    op.add_column('applicants', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    # Encrypted at rest (service/kernel/db/encryption.py): a token is longer than the 500 characters
    # the API accepts. Rows already written stay readable as plain text until rotate-encryption-key.
    op.alter_column('applicants', 'postal_address', type_=sa.Text(), existing_type=sa.String(length=500))
    op.drop_constraint('contact', 'applicants', type_='check')
    op.create_check_constraint(
        'contact', 'applicants', 'email IS NOT NULL OR phone IS NOT NULL OR erased_at IS NOT NULL'
    )
    op.create_table(
        'privacy_persons',
        sa.Column('applicant_id', sa.Uuid(), nullable=False),
        sa.Column('dispute_open', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('longer_retention_until', sa.Date(), nullable=True),
        sa.Column('follow_up_scrubbed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_privacy_persons_applicant_id_applicants')),
        sa.PrimaryKeyConstraint('applicant_id', name=op.f('pk_privacy_persons')),
    )
    op.create_table(
        'privacy_read_audit',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('staff_id', sa.Uuid(), nullable=False),
        sa.Column('object_kind', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Uuid(), nullable=False),
        sa.Column('route', sa.String(length=3), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.CheckConstraint("route IN ('api', 'ui')", name=op.f('ck_privacy_read_audit_route')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_privacy_read_audit_staff_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_read_audit')),
    )
    op.create_index('ix_privacy_read_audit_object', 'privacy_read_audit', ['object_kind', 'object_id', 'id'])
    op.create_index('ix_privacy_read_audit_staff', 'privacy_read_audit', ['staff_id', 'id'])
    op.create_table(
        'privacy_rectifications',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('applicant_id', sa.Uuid(), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.Uuid(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_privacy_rectifications_applicant_id_applicants')),
        sa.ForeignKeyConstraint(['recorded_by'], ['staff_users.id'], name=op.f('fk_privacy_rectifications_recorded_by_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_rectifications')),
    )
    op.create_index('ix_privacy_rectifications_applicant_id', 'privacy_rectifications', ['applicant_id', 'id'])
    op.create_table(
        'privacy_retention_runs',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_retention_runs')),
    )
    op.execute(REFUSE_CHANGE_EXCEPT_ANONYMISING)
    for table, trigger, columns in GUARDED:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        arguments = ", ".join(f"'{c}'" for c in columns)
        op.execute(_trigger(table, trigger, f"refuse_change_except_anonymising({arguments})"))
    op.execute(_trigger("privacy_read_audit", "privacy_read_audit_append_only", "refuse_change()"))
    op.execute(
        _trigger(
            "privacy_rectifications",
            "privacy_rectifications_append_only",
            "refuse_change_except_anonymising('reason')",
        )
    )


def downgrade() -> None:
    for table, trigger, _ in GUARDED:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(_trigger(table, trigger, "refuse_change()"))
    op.drop_table('privacy_retention_runs')
    op.drop_index('ix_privacy_rectifications_applicant_id', table_name='privacy_rectifications')
    op.drop_table('privacy_rectifications')
    op.drop_index('ix_privacy_read_audit_staff', table_name='privacy_read_audit')
    op.drop_index('ix_privacy_read_audit_object', table_name='privacy_read_audit')
    op.drop_table('privacy_read_audit')
    op.drop_table('privacy_persons')
    op.execute("DROP FUNCTION refuse_change_except_anonymising()")
    op.drop_constraint('contact', 'applicants', type_='check')
    op.create_check_constraint('contact', 'applicants', 'email IS NOT NULL OR phone IS NOT NULL')
    op.drop_column('applicants', 'erased_at')
    op.alter_column('applicants', 'postal_address', type_=sa.String(length=500), existing_type=sa.Text())
