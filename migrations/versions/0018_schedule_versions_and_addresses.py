"""Each instalment knows the schedule it belongs to: 0 for the contract's, else the sequence of the
reschedule event that drew it up, so that documents show the live schedule apart from the earlier
ones and number each as its contract or amendment does. Applicants get a postal address, printed on
the credit contract.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 22:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Instalments written before this revision: the replay numbers a reschedule's instalments after
# every earlier one, reschedules in (value date, sequence) order, so the k-th reschedule's rows
# follow the contract's and the earlier reschedules' ones. The next replay of the loan rewrites the
# column anyway (it is part of the state written back).
BACKFILL = """
WITH ends AS (
    SELECT e.loan_id, e.sequence,
           (SELECT count(*) FROM loan_installments c WHERE c.loan_id = e.loan_id AND c.origin = 'contract')
           + sum(jsonb_array_length(coalesce(e.details -> 'installments', '[]'::jsonb)))
             OVER (PARTITION BY e.loan_id ORDER BY e.value_date, e.sequence) AS last_number
    FROM loan_events e WHERE e.kind = 'reschedule'
)
UPDATE loan_installments i SET schedule_version = coalesce((
    SELECT ends.sequence FROM ends
    WHERE ends.loan_id = i.loan_id AND ends.last_number >= i.number
    ORDER BY ends.last_number LIMIT 1
), 0)
WHERE i.origin = 'reschedule'
"""


def upgrade() -> None:
    op.add_column('applicants', sa.Column('postal_address', sa.String(length=500), nullable=True))
    op.add_column(
        'loan_installments',
        sa.Column('schedule_version', sa.Integer(), server_default=sa.text('0'), nullable=False),
    )
    op.execute(BACKFILL)
    op.create_check_constraint(
        op.f('ck_loan_installments_schedule_version'),
        'loan_installments',
        "schedule_version >= 0 AND (schedule_version = 0) = (origin = 'contract')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_loan_installments_schedule_version'), 'loan_installments', type_='check')
    op.drop_column('loan_installments', 'schedule_version')
    op.drop_column('applicants', 'postal_address')
