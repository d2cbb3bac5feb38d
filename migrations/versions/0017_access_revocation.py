"""Staff users carry a token version: deactivation, a role change or a new password bump it, and
every access token issued with an older version is refused on its next request. Borrower login
codes remember the address that asked for them (codes are limited per asking address).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('staff_users', sa.Column('token_version', sa.Integer(), server_default='1', nullable=False))
    op.create_check_constraint(op.f('ck_staff_users_token_version_positive'), 'staff_users', 'token_version >= 1')
    op.add_column('borrower_login_codes', sa.Column('requested_from', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('borrower_login_codes', 'requested_from')
    op.drop_constraint(op.f('ck_staff_users_token_version_positive'), 'staff_users', type_='check')
    op.drop_column('staff_users', 'token_version')
