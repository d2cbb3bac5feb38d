"""Loan servicing: loan events (payments, reversals, write-offs, reschedules), the state of loans
and instalments written down after each replay, lateness charges kept for the close of business,
and the servicing terms of product versions.

Loan events are append-only (the trigger of 0006); a payment is reversed by a reversal event,
at most once (a unique index).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = sa.Numeric(precision=14, scale=4)
UNPAID = "outstanding > 0 AND status IN ('due', 'late', 'partially_paid', 'not_due')"
LOAN_COLUMNS = [
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('servicing', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('outstanding_principal', AMOUNT, server_default=sa.text('0'), nullable=False),
    sa.Column('credit_balance', AMOUNT, server_default=sa.text('0'), nullable=False),
    sa.Column('days_past_due', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('arrears_bucket', sa.String(length=20), server_default=sa.text("'current'"), nullable=False),
    sa.Column('next_due_date', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('written_off_on', sa.Date(), nullable=True),
    sa.Column('event_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('state_as_of', sa.Date(), nullable=True),
]
INSTALLMENT_AMOUNTS = [
    'principal_due', 'interest_due', 'fees_due', 'penalties_due', 'principal_paid', 'interest_paid', 'fees_paid',
    'penalties_paid', 'written_off', 'rescheduled', 'outstanding', 'late_fee', 'carried_penalties', 'penalty_interest',
]


def upgrade() -> None:
    op.add_column('loan_product_versions', sa.Column(
        'servicing', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False))
    for column in LOAN_COLUMNS:
        op.add_column('loans', column)
    op.create_foreign_key(op.f('fk_loans_partner_id_partners'), 'loans', 'partners', ['partner_id'], ['id'])
    op.create_check_constraint(op.f('ck_loans_balances'), 'loans', 'outstanding_principal >= 0 AND credit_balance >= 0')
    op.create_check_constraint(op.f('ck_loans_counters'), 'loans', 'days_past_due >= 0 AND event_count >= 0')
    op.create_index('ix_loans_active_id', 'loans', ['id'], unique=False, postgresql_where=sa.text("status = 'active'"))

    op.add_column('loan_installments', sa.Column(
        'origin', sa.String(length=12), server_default=sa.text("'contract'"), nullable=False))
    for name in INSTALLMENT_AMOUNTS:
        op.add_column('loan_installments', sa.Column(name, AMOUNT, server_default=sa.text('0'), nullable=False))
    op.add_column('loan_installments', sa.Column(
        'status', sa.String(length=20), server_default=sa.text("'not_due'"), nullable=False))
    op.add_column('loan_installments', sa.Column(
        'days_past_due', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('loan_installments', sa.Column(
        'late_amount_days', sa.Numeric(precision=20, scale=4), server_default=sa.text('0'), nullable=False))
    op.add_column('loan_installments', sa.Column('charged_through', sa.Date(), nullable=True))
    # Loans disbursed before this revision: their state is their contract, nothing paid yet.
    op.execute("UPDATE loans SET outstanding_principal = principal, state_as_of = disbursed_on")
    op.execute(
        "UPDATE loan_installments SET principal_due = principal, interest_due = interest, fees_due = fees,"
        " outstanding = total"
    )
    op.create_check_constraint(op.f('ck_loan_installments_origin'), 'loan_installments', "origin IN ('contract', 'reschedule')")
    op.create_check_constraint(
        op.f('ck_loan_installments_status'), 'loan_installments',
        "status IN ('paid', 'partially_paid', 'due', 'late', 'not_due', 'cancelled', 'rescheduled', 'written_off')",
    )
    op.create_check_constraint(
        op.f('ck_loan_installments_state'), 'loan_installments',
        "principal_paid >= 0 AND interest_paid >= 0 AND fees_paid >= 0 AND penalties_paid >= 0"
        " AND principal_paid <= principal_due AND outstanding >= 0 AND days_past_due >= 0",
    )
    op.create_index('ix_loan_installments_unpaid', 'loan_installments', ['due_date'], unique=False,
                    postgresql_where=sa.text(UNPAID))

    op.create_table('loan_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('amount', AMOUNT, nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('external_reference', sa.String(length=100), nullable=True),
    sa.Column('reverses_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('ledger_transaction_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('payment', 'reversal', 'write_off', 'reschedule')", name=op.f('ck_loan_events_kind')),
    sa.CheckConstraint("(kind = 'payment') = (amount IS NOT NULL AND channel IS NOT NULL)", name=op.f('ck_loan_events_payment')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_loan_events_amount')),
    sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name=op.f('ck_loan_events_reversal')),
    sa.CheckConstraint("channel IS NULL OR channel IN ('direct_debit', 'transfer', 'cash', 'card')", name=op.f('ck_loan_events_channel')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_loan_events_sequence')),
    sa.ForeignKeyConstraint(['ledger_transaction_id'], ['ledger_transactions.id'], name=op.f('fk_loan_events_ledger_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_events_loan_id_loans')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_users.id'], name=op.f('fk_loan_events_recorded_by_staff_users')),
    sa.ForeignKeyConstraint(['reverses_id'], ['loan_events.id'], name=op.f('fk_loan_events_reverses_id_loan_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_events')),
    sa.UniqueConstraint('ledger_transaction_id', name=op.f('uq_loan_events_ledger_transaction_id')),
    sa.UniqueConstraint('loan_id', 'sequence', name='uq_loan_events_loan_sequence')
    )
    op.create_index('uq_loan_events_reverses_id', 'loan_events', ['reverses_id'], unique=True,
                    postgresql_where=sa.text('reverses_id IS NOT NULL'))
    op.execute("""CREATE TRIGGER loan_events_append_only BEFORE UPDATE OR DELETE ON loan_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER loan_events_append_only ON loan_events")
    op.drop_index('uq_loan_events_reverses_id', table_name='loan_events', postgresql_where=sa.text('reverses_id IS NOT NULL'))
    op.drop_table('loan_events')
    op.drop_index('ix_loan_installments_unpaid', table_name='loan_installments', postgresql_where=sa.text(UNPAID))
    for name in ('state', 'status', 'origin'):
        op.drop_constraint(op.f(f'ck_loan_installments_{name}'), 'loan_installments', type_='check')
    for name in ('origin', *INSTALLMENT_AMOUNTS, 'status', 'days_past_due', 'late_amount_days', 'charged_through'):
        op.drop_column('loan_installments', name)
    op.drop_index('ix_loans_active_id', table_name='loans', postgresql_where=sa.text("status = 'active'"))
    op.drop_constraint(op.f('ck_loans_counters'), 'loans', type_='check')
    op.drop_constraint(op.f('ck_loans_balances'), 'loans', type_='check')
    op.drop_constraint(op.f('fk_loans_partner_id_partners'), 'loans', type_='foreignkey')
    for column in reversed(LOAN_COLUMNS):
        op.drop_column('loans', column.name)
    op.drop_column('loan_product_versions', 'servicing')
