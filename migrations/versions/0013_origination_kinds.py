"""Closed sets for the origination's enum-like columns, as database constraints: applicants' and
referrals' situation and stage, and the kinds of the financing plan's resources and of the file's
documents. The plan's old resource kind ``microcredit`` was counted as another lender's loan against
the legal ceiling; it becomes ``other_microcredit`` (what it meant to the checks), next to the new
``requested_microcredit`` for the loan being applied for.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITUATIONS = "('job_seeker', 'minimum_income_beneficiary', 'young_priority_neighbourhood', 'employee', 'self_employed', 'other')"
STAGES = "('referred', 'contacted', 'in_training', 'trained', 'applying', 'financed', 'declined', 'withdrawn')"
RESOURCE_KINDS = (
    "own_funds", "honour_loan", "bank_loan", "grant", "requested_microcredit", "other_microcredit", "other",
)
DOCUMENT_KINDS = (
    "identity_document", "proof_of_address", "proof_of_situation", "business_plan", "supplier_quote",
    "bank_statement", "business_registration", "honour_loan_agreement", "guarantor_commitment", "other",
)


def _kinds_one_of(column: str, kinds: tuple[str, ...]) -> str:
    allowed = " || ".join(f'@.kind == "{k}"' for k in kinds)
    return f"NOT jsonb_path_exists({column}, '$[*] ? (!({allowed}))')"


RENAME_MICROCREDIT = """
UPDATE business_projects SET resources = (
    SELECT jsonb_agg(CASE WHEN line->>'kind' = '{old}' THEN jsonb_set(line, '{{kind}}', '"{new}"') ELSE line END
                     ORDER BY position)
    FROM jsonb_array_elements(resources) WITH ORDINALITY AS t(line, position)
)
WHERE jsonb_path_exists(resources, '$[*] ? (@.kind == "{old}")')
"""


def upgrade() -> None:
    op.execute(RENAME_MICROCREDIT.format(old="microcredit", new="other_microcredit"))
    op.create_check_constraint(op.f('ck_applicants_situation'), 'applicants', f"situation IN {SITUATIONS}")
    op.create_check_constraint(op.f('ck_applicants_stage'), 'applicants', f"stage IN {STAGES}")
    op.create_check_constraint(op.f('ck_referrals_situation'), 'referrals', f"situation IN {SITUATIONS}")
    op.create_check_constraint(
        op.f('ck_business_projects_resource_kinds'), 'business_projects', _kinds_one_of("resources", RESOURCE_KINDS)
    )
    op.create_check_constraint(
        op.f('ck_business_projects_document_kinds'), 'business_projects', _kinds_one_of("documents", DOCUMENT_KINDS)
    )


def downgrade() -> None:
    for table, name in (
        ('business_projects', 'ck_business_projects_document_kinds'),
        ('business_projects', 'ck_business_projects_resource_kinds'),
        ('referrals', 'ck_referrals_situation'),
        ('applicants', 'ck_applicants_stage'),
        ('applicants', 'ck_applicants_situation'),
    ):
        op.drop_constraint(op.f(name), table, type_='check')
    # A plan line the applicant's own loan was filed under had no kind of its own before.
    op.execute(RENAME_MICROCREDIT.format(old="requested_microcredit", new="microcredit"))
    op.execute(RENAME_MICROCREDIT.format(old="other_microcredit", new="microcredit"))
