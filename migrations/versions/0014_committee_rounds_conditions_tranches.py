"""Credit committee rounds and conditions met with evidence; files read partly_disbursed between tranches.

- applications.committee_round counts the file's referrals to committee; committee_votes.round says in
  which round each vote was cast (a member's later vote in a round replaces the earlier one in the count;
  both rows stay).
- applications.conditions becomes JSON: each condition with who met it, when, and on what evidence.
- status partly_disbursed, and constraints tying the status to the amount paid out.
- loan_product_versions.committee_quorum / committee_majority_percent: a version's own committee rules
  (NULL: the settings' default).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = (
    "('draft', 'submitted', 'under_review', 'at_committee', 'approved', 'rejected', 'withdrawn', "
    "'offer_issued', 'offer_expired', 'contract_signed', 'disbursed')"
)
NEW_STATUSES = (
    "('draft', 'submitted', 'under_review', 'at_committee', 'approved', 'rejected', 'withdrawn', "
    "'offer_issued', 'offer_expired', 'contract_signed', 'partly_disbursed', 'disbursed')"
)
ROUNDS = """
UPDATE applications a SET committee_round = (
    SELECT count(*) FROM application_events e WHERE e.application_id = a.id AND e.action = 'send_to_committee'
)
"""
VOTE_ROUNDS = """
UPDATE committee_votes v SET round = greatest(1, (
    SELECT count(*) FROM application_events e
    WHERE e.application_id = v.application_id AND e.action = 'send_to_committee' AND e.at <= v.created_at
))
"""
CONDITIONS_TO_JSON = """
UPDATE applications SET conditions_json = coalesce((
    SELECT jsonb_agg(jsonb_build_object('text', c, 'met_by', NULL, 'met_at', NULL, 'evidence', NULL) ORDER BY n)
    FROM unnest(conditions) WITH ORDINALITY AS u(c, n)
), '[]'::jsonb)
"""
CONDITIONS_TO_TEXT = """
UPDATE applications SET conditions_text = coalesce(
    ARRAY(SELECT c ->> 'text' FROM jsonb_array_elements(conditions) WITH ORDINALITY AS u(c, n) ORDER BY n),
    '{}'::text[]
)
"""


def upgrade() -> None:
    op.add_column('loan_product_versions', sa.Column('committee_quorum', sa.Integer(), nullable=True))
    op.add_column('loan_product_versions', sa.Column('committee_majority_percent', sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f('ck_loan_product_versions_committee_quorum'), 'loan_product_versions', 'committee_quorum >= 1'
    )
    op.create_check_constraint(
        op.f('ck_loan_product_versions_committee_majority_percent'),
        'loan_product_versions',
        'committee_majority_percent BETWEEN 0 AND 99',
    )

    op.add_column('applications', sa.Column('committee_round', sa.Integer(), server_default='0', nullable=False))
    op.execute(ROUNDS)
    op.create_check_constraint(op.f('ck_applications_committee_round'), 'applications', 'committee_round >= 0')

    op.add_column('committee_votes', sa.Column('round', sa.Integer(), nullable=True))
    op.execute(VOTE_ROUNDS)
    op.alter_column('committee_votes', 'round', nullable=False)
    op.create_check_constraint(op.f('ck_committee_votes_round'), 'committee_votes', 'round >= 1')

    op.add_column('applications', sa.Column('conditions_json', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute(CONDITIONS_TO_JSON)
    op.drop_column('applications', 'conditions')
    op.alter_column('applications', 'conditions_json', new_column_name='conditions', nullable=False)

    op.drop_constraint(op.f('ck_applications_status'), 'applications', type_='check')
    op.create_check_constraint(op.f('ck_applications_status'), 'applications', f"status IN {NEW_STATUSES}")
    # Files that read disbursed after a first tranche: they were only partly paid out.
    op.execute("UPDATE applications SET status = 'partly_disbursed' WHERE status = 'disbursed' AND disbursed_amount < amount")
    op.create_check_constraint(
        op.f('ck_applications_disbursed_status'), 'applications', "status <> 'disbursed' OR disbursed_amount = amount"
    )
    op.create_check_constraint(
        op.f('ck_applications_partly_disbursed'),
        'applications',
        "status <> 'partly_disbursed' OR (disbursed_amount > 0 AND disbursed_amount < amount)",
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_applications_partly_disbursed'), 'applications', type_='check')
    op.drop_constraint(op.f('ck_applications_disbursed_status'), 'applications', type_='check')
    op.execute("UPDATE applications SET status = 'disbursed' WHERE status = 'partly_disbursed'")
    op.drop_constraint(op.f('ck_applications_status'), 'applications', type_='check')
    op.create_check_constraint(op.f('ck_applications_status'), 'applications', f"status IN {OLD_STATUSES}")

    op.add_column('applications', sa.Column('conditions_text', postgresql.ARRAY(sa.Text()), nullable=True))
    op.execute(CONDITIONS_TO_TEXT)
    op.drop_column('applications', 'conditions')
    op.alter_column('applications', 'conditions_text', new_column_name='conditions', nullable=False)

    op.drop_constraint(op.f('ck_committee_votes_round'), 'committee_votes', type_='check')
    op.drop_column('committee_votes', 'round')
    op.drop_constraint(op.f('ck_applications_committee_round'), 'applications', type_='check')
    op.drop_column('applications', 'committee_round')

    op.drop_constraint(op.f('ck_loan_product_versions_committee_majority_percent'), 'loan_product_versions', type_='check')
    op.drop_constraint(op.f('ck_loan_product_versions_committee_quorum'), 'loan_product_versions', type_='check')
    op.drop_column('loan_product_versions', 'committee_majority_percent')
    op.drop_column('loan_product_versions', 'committee_quorum')
