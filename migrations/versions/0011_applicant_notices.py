"""Notices may go to applicants (people in training, not borrowers yet): a training session starting.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f('ck_notices_recipient_kind'), 'notices', type_='check')
    op.create_check_constraint(
        op.f('ck_notices_recipient_kind'), 'notices', "recipient_kind IN ('borrower', 'staff', 'applicant')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM notices WHERE recipient_kind = 'applicant'")
    op.drop_constraint(op.f('ck_notices_recipient_kind'), 'notices', type_='check')
    op.create_check_constraint(op.f('ck_notices_recipient_kind'), 'notices', "recipient_kind IN ('borrower', 'staff')")
