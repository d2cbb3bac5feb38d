"""The credit contract as a document: what the borrower signs (schedule and TAEG included)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from domain.origination.applicants import Guarantor
from domain.origination.applications import Offer
from domain.schedules import Fee


@dataclass(frozen=True, kw_only=True)
class Lender:
    """The lender as a credit contract must name it: legal name, registered office and
    registration (e.g. "RNA W751234567" or "SIREN 123 456 789"), from the service's settings."""

    name: str
    address: str
    registration: str


@dataclass(frozen=True, kw_only=True)
class ContractDocument:
    """Everything the contract shows. The TAEG and the schedule must be those of the offer, to the cent:
    an error in the stated TAEG can cost the lender its interest."""

    contract_number: str
    application_id: uuid.UUID
    lender: Lender
    borrower_name: str
    borrower_address: str | None
    business_activity: str | None
    product_name: str
    offer: Offer
    fees: tuple[Fee, ...]
    conditions: tuple[str, ...]
    guarantors: tuple[Guarantor, ...]
    signed_on: date | None
    generated_on: date
