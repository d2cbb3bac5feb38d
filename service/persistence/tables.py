"""Every table, imported once so that the metadata is complete (for Alembic and the drift test)."""

from service.kernel.db.base import Base
from service.persistence import (  # noqa: F401
    application_tables,
    close_of_business_tables,
    followup_tables,
    identity_tables,
    loan_tables,
    notification_tables,
    origination_tables,
    product_tables,
    servicing_tables,
    training_tables,
)

metadata = Base.metadata
