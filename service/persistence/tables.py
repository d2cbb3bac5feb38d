"""Every table, imported once so that the metadata is complete (for Alembic and the drift test)."""

from service.identity import tables as identity_tables  # noqa: F401
from service.kernel.db.base import Base
from service.persistence import (  # noqa: F401
    application_tables,
    close_of_business_tables,
    followup_tables,
    loan_tables,
    notification_tables,
    origination_tables,
    servicing_tables,
)
from service.products import tables as product_tables  # noqa: F401
from service.training import tables as training_tables  # noqa: F401

metadata = Base.metadata
