"""Loan events keep their statement entry as JSON, written once with the row (events never change),
so that a loan's schedule document concatenates them instead of building each one per read.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Events recorded before this revision (amounts in the currency's minor unit, as recorded).
BACKFILL = """
UPDATE loan_events e SET document = (
    SELECT row_to_json(t)::text FROM (
        SELECT e.id, e.sequence, e.kind, e.value_date,
               CASE WHEN e.amount IS NULL THEN NULL
                    ELSE round(e.amount, CASE l.currency WHEN 'JPY' THEN 0 WHEN 'XOF' THEN 0 WHEN 'XAF' THEN 0
                                                          ELSE 2 END)::text END AS amount,
               e.channel, e.external_reference, e.reverses_id, false AS reversed, e.reason, e.recorded_at
    ) AS t
)
FROM loans l WHERE l.id = e.loan_id AND e.document IS NULL
"""


def upgrade() -> None:
    op.add_column('loan_events', sa.Column('document', sa.Text(), nullable=True))
    op.execute("ALTER TABLE loan_events DISABLE TRIGGER loan_events_append_only")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE loan_events ENABLE TRIGGER loan_events_append_only")


def downgrade() -> None:
    op.execute("ALTER TABLE loan_events DISABLE TRIGGER loan_events_append_only")
    op.drop_column('loan_events', 'document')
    op.execute("ALTER TABLE loan_events ENABLE TRIGGER loan_events_append_only")
