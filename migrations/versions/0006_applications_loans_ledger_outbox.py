"""Applications with history and votes, loans and schedules, disbursements, the ledger, the outbox.

The database itself refuses an unbalanced ledger transaction (a deferred constraint trigger checks
every transaction at commit) and any UPDATE or DELETE of posted ledger rows or history rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 13:10:08.738976
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


BALANCE_CHECK = ["""
CREATE FUNCTION ledger_transaction_balances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM ledger_entries WHERE transaction_id = NEW.transaction_id
        GROUP BY currency HAVING sum(amount) <> 0
    ) OR (SELECT count(*) FROM ledger_entries WHERE transaction_id = NEW.transaction_id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    RETURN NULL;
END $$""", """CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances()""", """CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: post a reversal instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$""", """CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change()""", """CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION refuse_change()""", """CREATE TRIGGER application_events_append_only BEFORE UPDATE OR DELETE ON application_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change()"""]
DROP_CHECKS = [
    "DROP TRIGGER application_events_append_only ON application_events",
    "DROP TRIGGER ledger_transactions_append_only ON ledger_transactions",
    "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
    "DROP FUNCTION refuse_change()",
    "DROP TRIGGER ledger_entries_balanced ON ledger_entries",
    "DROP FUNCTION ledger_transaction_balances()",
]


def upgrade() -> None:
    op.create_table('outbox_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('aggregate_id', sa.Uuid(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events'))
    )
    op.create_index('ix_outbox_events_unpublished', 'outbox_events', ['id'], unique=False, postgresql_where='published_at IS NULL')
    op.create_table('applications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('product_version', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('number_of_installments', sa.Integer(), nullable=False),
    sa.Column('principal_grace_installments', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('conditions', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('rejection_reasons', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('eligibility', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('offer', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('offer_expires_on', sa.Date(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('disbursed_amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'under_review', 'at_committee', 'approved', 'rejected', 'withdrawn', 'offer_issued', 'offer_expired', 'contract_signed', 'disbursed')", name=op.f('ck_applications_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_applications_amount')),
    sa.CheckConstraint('disbursed_amount >= 0 AND disbursed_amount <= amount', name=op.f('ck_applications_disbursed')),
    sa.CheckConstraint('number_of_installments BETWEEN 1 AND 600', name=op.f('ck_applications_installments')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_applications_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_users.id'], name=op.f('fk_applications_officer_id_staff_users')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_applications_product_id_loan_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    op.create_index('ix_applications_applicant_id', 'applications', ['applicant_id'], unique=False)
    op.create_index('ix_applications_offer_expires_on', 'applications', ['offer_expires_on'], unique=False, postgresql_where="status = 'offer_issued'")
    op.create_index('ix_applications_status', 'applications', ['status'], unique=False)
    op.create_table('application_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_events_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    op.create_index('ix_application_events_application_id_id', 'application_events', ['application_id', 'id'], unique=False)
    op.create_table('committee_votes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('vote', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("vote IN ('approve', 'reject', 'request_changes')", name=op.f('ck_committee_votes_vote')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_committee_votes_application_id_applications')),
    sa.ForeignKeyConstraint(['member_id'], ['staff_users.id'], name=op.f('fk_committee_votes_member_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_votes'))
    )
    op.create_index('ix_committee_votes_application_id', 'committee_votes', ['application_id'], unique=False)
    op.create_table('loans',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('applicant_id', sa.Uuid(), nullable=False),
    sa.Column('officer_id', sa.Uuid(), nullable=False),
    sa.Column('product_id', sa.Uuid(), nullable=False),
    sa.Column('product_version', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('annual_interest_rate', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('apr', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'closed', 'written_off')", name=op.f('ck_loans_status')),
    sa.CheckConstraint('principal > 0', name=op.f('ck_loans_principal')),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], name=op.f('fk_loans_applicant_id_applicants')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_loans_application_id_applications')),
    sa.ForeignKeyConstraint(['officer_id'], ['staff_users.id'], name=op.f('fk_loans_officer_id_staff_users')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_loans_product_id_loan_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('application_id', name=op.f('uq_loans_application_id'))
    )
    op.create_index('ix_loans_applicant_id', 'loans', ['applicant_id'], unique=False)
    op.create_table('ledger_transactions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('reverses_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_ledger_transactions_loan_id_loans')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_transactions_reverses_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_transactions_reverses_id'))
    )
    op.create_index(op.f('ix_ledger_transactions_loan_id'), 'ledger_transactions', ['loan_id'], unique=False)
    op.create_table('loan_installments',
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('interest', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('fees', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('principal_remaining', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.CheckConstraint('principal >= 0 AND interest >= 0 AND fees >= 0 AND principal_remaining >= 0', name=op.f('ck_loan_installments_not_negative')),
    sa.CheckConstraint('total = principal + interest + fees', name=op.f('ck_loan_installments_total')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_installments_loan_id_loans')),
    sa.PrimaryKeyConstraint('loan_id', 'number', name=op.f('pk_loan_installments'))
    )
    op.create_table('disbursements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('tranche', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('fees_withheld', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('ledger_transaction_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount > 0 AND fees_withheld >= 0 AND fees_withheld <= amount', name=op.f('ck_disbursements_amounts')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_disbursements_application_id_applications')),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_disbursements_created_by_staff_users')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_disbursements_ledger_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_disbursements_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursements')),
    sa.UniqueConstraint('ledger_transaction_id', name=op.f('uq_disbursements_ledger_transaction_id')),
    sa.UniqueConstraint('application_id', 'tranche', name='uq_disbursements_application_tranche')
    )
    op.create_index(op.f('ix_disbursements_application_id'), 'disbursements', ['application_id'], unique=False)
    op.create_table('ledger_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('transaction_id', sa.Uuid(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f('ck_ledger_entries_currency')),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_entries_not_zero')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_ledger_entries_loan_id_loans')),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], name=op.f('fk_ledger_entries_transaction_id_ledger_transactions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_loan_id_account', 'ledger_entries', ['loan_id', 'account'], unique=False)
    op.create_index(op.f('ix_ledger_entries_transaction_id'), 'ledger_entries', ['transaction_id'], unique=False)

    for statement in BALANCE_CHECK:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_CHECKS:
        op.execute(statement)
    op.drop_index(op.f('ix_ledger_entries_transaction_id'), table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_loan_id_account', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index(op.f('ix_disbursements_application_id'), table_name='disbursements')
    op.drop_table('disbursements')
    op.drop_table('loan_installments')
    op.drop_index(op.f('ix_ledger_transactions_loan_id'), table_name='ledger_transactions')
    op.drop_table('ledger_transactions')
    op.drop_index('ix_loans_applicant_id', table_name='loans')
    op.drop_table('loans')
    op.drop_index('ix_committee_votes_application_id', table_name='committee_votes')
    op.drop_table('committee_votes')
    op.drop_index('ix_application_events_application_id_id', table_name='application_events')
    op.drop_table('application_events')
    op.drop_index('ix_applications_status', table_name='applications')
    op.drop_index('ix_applications_offer_expires_on', table_name='applications', postgresql_where="status = 'offer_issued'")
    op.drop_index('ix_applications_applicant_id', table_name='applications')
    op.drop_table('applications')
    op.drop_index('ix_outbox_events_unpublished', table_name='outbox_events', postgresql_where='published_at IS NULL')
    op.drop_table('outbox_events')
