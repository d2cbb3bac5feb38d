"""A disbursed loan and its contract schedule from database rows (ORM-free mappings: Core
results or asyncpg records), shared by the loan and servicing repositories."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.loans.model import Loan
from domain.money import quantize
from domain.schedules import Installment
from domain.servicing import ServicingTerms
from service.kernel.db.codec import from_jsonb


def loan_from_row(row: Mapping[Any, Any], schedule: tuple[Installment, ...], currency: str) -> Loan:
    return Loan(
        id=row["id"],
        application_id=row["application_id"],
        applicant_id=row["applicant_id"],
        officer_id=row["officer_id"],
        product_id=row["product_id"],
        product_version=row["product_version"],
        currency=row["currency"],
        principal=quantize(row["principal"], currency),
        annual_interest_rate=row["annual_interest_rate"],
        apr=row["apr"],  # a percentage: not in the currency's unit
        status=row["status"],
        disbursed_on=row["disbursed_on"],
        installments=schedule,
        servicing=from_jsonb(row["servicing"], ServicingTerms, currency=row["currency"]),
        partner_id=row["partner_id"],
    )


def contract_installment(row: Mapping[Any, Any], currency: str) -> Installment:
    return Installment(
        row["number"],
        row["due_date"],
        quantize(row["principal"], currency),
        quantize(row["interest"], currency),
        quantize(row["fees"], currency),
        quantize(row["total"], currency),
        quantize(row["principal_remaining"], currency),
    )
