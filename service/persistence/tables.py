"""Every table, imported once so that the metadata is complete (for Alembic and the drift test)."""

from service.persistence import identity_tables, origination_tables, product_tables  # noqa: F401
from service.persistence.base import Base

metadata = Base.metadata
