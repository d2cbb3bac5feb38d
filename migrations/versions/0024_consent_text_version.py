"""A referral keeps which wording of the consent the person agreed to (the partner's form version),
shown with the consent's date (issue 15). Nullable: referrals made before it, and partners that do
not say, have none.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('referrals', sa.Column('consent_text_version', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('referrals', 'consent_text_version')
