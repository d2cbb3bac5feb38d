"""The credit contract as a document: what the borrower signs (schedule and TAEG included)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from domain.origination.applications import Offer
from domain.schedules import Fee


@dataclass(frozen=True, kw_only=True)
class ContractDocument:
    """Everything the contract shows. The TAEG and the schedule must be those of the offer, to the cent:
    an error in the stated TAEG can cost the lender its interest."""

    contract_number: str
    application_id: uuid.UUID
    lender_name: str
    borrower_name: str
    business_activity: str | None
    product_name: str
    offer: Offer
    fees: tuple[Fee, ...]
    conditions: tuple[str, ...]
    signed_on: date | None
    generated_on: date
