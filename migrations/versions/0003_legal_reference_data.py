"""Legal reference data known at release: microcredit ceilings (R518-61 CMF) and 2025 usury thresholds.

Data, not code: admins add newer rows (each quarter for usury thresholds) through the API; the
newest row in force for a date applies. Check these figures against the official texts.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CEILINGS = sa.table(
    "legal_ceilings", sa.column("id", sa.Uuid), sa.column("category", sa.String), sa.column("currency", sa.String),
    sa.column("max_total_outstanding", sa.Numeric), sa.column("max_duration_months", sa.Integer),
    sa.column("valid_from", sa.Date), sa.column("valid_to", sa.Date),
)
THRESHOLDS = sa.table(
    "usury_thresholds", sa.column("id", sa.Uuid), sa.column("category", sa.String), sa.column("currency", sa.String),
    sa.column("amount_above", sa.Numeric), sa.column("amount_up_to", sa.Numeric), sa.column("max_rate", sa.Numeric),
    sa.column("valid_from", sa.Date), sa.column("valid_to", sa.Date),
)
IDS = [f"00000000-0000-7000-8000-00000000000{i}" for i in range(1, 6)]


def upgrade() -> None:
    import uuid

    op.bulk_insert(CEILINGS, [
        {"id": uuid.UUID(IDS[0]), "category": "professional_microcredit", "currency": "EUR",
         "max_total_outstanding": Decimal("12000.00"), "max_duration_months": 60, "valid_from": date(2022, 2, 7),
         "valid_to": None},
        {"id": uuid.UUID(IDS[1]), "category": "personal_microcredit", "currency": "EUR",
         "max_total_outstanding": Decimal("8000.00"), "max_duration_months": 84, "valid_from": date(2022, 2, 7),
         "valid_to": None},
    ])
    op.bulk_insert(THRESHOLDS, [
        {"id": uuid.UUID(IDS[2]), "category": "personal_microcredit", "currency": "EUR",
         "amount_above": Decimal("0"), "amount_up_to": Decimal("3000.00"), "max_rate": Decimal("23.24"),
         "valid_from": date(2025, 1, 1), "valid_to": None},
        {"id": uuid.UUID(IDS[3]), "category": "personal_microcredit", "currency": "EUR",
         "amount_above": Decimal("3000.00"), "amount_up_to": Decimal("6000.00"), "max_rate": Decimal("15.67"),
         "valid_from": date(2025, 1, 1), "valid_to": None},
        {"id": uuid.UUID(IDS[4]), "category": "personal_microcredit", "currency": "EUR",
         "amount_above": Decimal("6000.00"), "amount_up_to": None, "max_rate": Decimal("8.63"),
         "valid_from": date(2025, 1, 1), "valid_to": None},
    ])


def downgrade() -> None:
    ids = ", ".join(f"'{i}'" for i in IDS)
    op.execute(f"DELETE FROM usury_thresholds WHERE id IN ({ids})")
    op.execute(f"DELETE FROM legal_ceilings WHERE id IN ({ids})")
