"""A read model for the loan's statement: ``loan_statement_entries`` holds each event as the
statement lists it, written in the event's transaction, and the events lose the API JSON they kept
(``loan_events.document``, revision 0012). The append-only events stay facts only; the entry of a
reversed payment is updated in the read model, not in the event row.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The entries of events recorded before this revision: the JSON each event kept, marked reversed
# when a reversal of it was recorded (what the schedule query did on every read until now).
BACKFILL = """
INSERT INTO loan_statement_entries (event_id, loan_id, sequence, entry)
SELECT e.id, e.loan_id, e.sequence,
       CASE WHEN EXISTS (SELECT 1 FROM loan_events r WHERE r.reverses_id = e.id)
            THEN replace(e.document, '"reversed":false', '"reversed":true') ELSE e.document END
FROM loan_events e
"""

# Downgrade: the events get their JSON back, as revision 0012 wrote it (``reversed`` always false).
RESTORE = """
UPDATE loan_events e SET document = replace(s.entry, '"reversed":true', '"reversed":false')
FROM loan_statement_entries s WHERE s.event_id = e.id
"""


def upgrade() -> None:
    op.create_table(
        'loan_statement_entries',
        sa.Column('event_id', sa.Uuid(), nullable=False),
        sa.Column('loan_id', sa.Uuid(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('entry', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['loan_events.id'], name=op.f('fk_loan_statement_entries_event_id_loan_events')
        ),
        sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_statement_entries_loan_id_loans')),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_loan_statement_entries')),
        sa.UniqueConstraint('loan_id', 'sequence', name='uq_loan_statement_entries_loan_sequence'),
    )
    op.get_bind().exec_driver_sql(BACKFILL)  # driver SQL: the JSON's colons are no bind parameters
    # Dropping a column fires no row trigger: the append-only trigger stays enabled.
    op.drop_column('loan_events', 'document')


def downgrade() -> None:
    op.add_column('loan_events', sa.Column('document', sa.Text(), nullable=True))
    op.execute("ALTER TABLE loan_events DISABLE TRIGGER loan_events_append_only")
    op.get_bind().exec_driver_sql(RESTORE)
    op.execute("ALTER TABLE loan_events ENABLE TRIGGER loan_events_append_only")
    op.drop_table('loan_statement_entries')
