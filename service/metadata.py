"""Every context's tables, imported once so that the metadata is complete (for Alembic and the drift
test). A new ``service/<context>/tables`` module is added here; tests/test_migrations.py checks it."""

from service.followup import tables as followup_tables
from service.identity import tables as identity_tables
from service.kernel.db import tables as kernel_tables
from service.kernel.db.base import Base
from service.notifications import tables as notification_tables
from service.origination.tables import applicants as applicant_tables
from service.origination.tables import applications as application_tables
from service.partners import tables as partner_tables
from service.privacy import tables as privacy_tables
from service.products import tables as product_tables
from service.servicing.tables import close_of_business as close_of_business_tables
from service.servicing.tables import events as servicing_event_tables
from service.servicing.tables import loans as loan_tables
from service.training import tables as training_tables

TABLE_MODULES = (
    kernel_tables,
    identity_tables,
    product_tables,
    applicant_tables,
    application_tables,
    training_tables,
    loan_tables,
    servicing_event_tables,
    close_of_business_tables,
    followup_tables,
    notification_tables,
    privacy_tables,
    partner_tables,
)

metadata = Base.metadata
