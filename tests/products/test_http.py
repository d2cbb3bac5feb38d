"""Admins version loan products; legal ceilings and usury thresholds are data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.products.model import ProductCategory, ProductTerms
from domain.schedules import Fee, FeeCollection
from tests.conftest import Caller

PRODUCT_TERMS: dict[str, Any] = {
    "currency": "EUR",
    "category": "professional_microcredit",
    "min_amount": "1000.00",
    "max_amount": "12000.00",
    "min_installments": 6,
    "max_installments": 48,
    "annual_interest_rate": "7.45",
    "max_principal_grace_installments": 3,
    "max_interest_grace_installments": 0,
    "fees": [
        {"name": "solidarity contribution", "percent_of_principal": "5", "collection": "withheld_at_disbursement"}
    ],
    "requires_training": True,
    "guarantor_coverage_percent": "50",
}


def sample_terms() -> ProductTerms:
    return ProductTerms(
        currency="EUR",
        category=ProductCategory.PROFESSIONAL_MICROCREDIT,
        min_amount=Decimal("1000.00"),
        max_amount=Decimal("12000.00"),
        min_installments=6,
        max_installments=48,
        annual_interest_rate=Decimal("7.45"),
        max_principal_grace_installments=3,
        requires_training=True,
        guarantor_coverage_percent=Decimal(50),
        fees=(Fee("solidarity contribution", FeeCollection.WITHHELD_AT_DISBURSEMENT, Decimal(5)),),
    )


async def create(client: AsyncTestClient[Litestar], admin: Caller, code: str = "PRO-MICRO", **terms: Any) -> dict:  # type: ignore[type-arg]
    response = await client.post(
        "/v1/loan-products",
        headers=admin.headers,
        json={"code": code, "name": "Microcrédit professionnel", "terms": {**PRODUCT_TERMS, **terms}},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_created_product_reads_back_with_its_terms(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    product = await create(client, admin)
    read = (await client.get(f"/v1/loan-products/{product['id']}", headers=admin.headers)).json()
    assert read["version"] == 1
    terms = read["terms"]
    assert terms["min_amount"] == "1000.00" and terms["max_amount"] == "12000.00"
    assert terms["annual_interest_rate"] == "7.45" and terms["guarantor_coverage_percent"] == "50.00"
    assert terms["fees"] == [
        {
            "name": "solidarity contribution",
            "collection": "withheld_at_disbursement",
            "percent_of_principal": "5.00",
            "amount": None,
        }
    ]
    assert terms["repayment_unit"] == "month" and terms["rounding"] == "half_up"


async def test_a_new_version_leaves_the_old_one_readable(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    product = await create(client, admin)
    changed = await client.post(
        f"/v1/loan-products/{product['id']}/versions",
        headers=admin.headers,
        json={"expected_version": 1, "terms": {**PRODUCT_TERMS, "annual_interest_rate": "6.90"}},
    )
    assert changed.status_code == 201 and changed.json()["version"] == 2
    old = (await client.get(f"/v1/loan-products/{product['id']}/versions/1", headers=admin.headers)).json()
    assert old["terms"]["annual_interest_rate"] == "7.45"
    current = (await client.get(f"/v1/loan-products/{product['id']}", headers=admin.headers)).json()
    assert current["terms"]["annual_interest_rate"] == "6.90"


async def test_a_stale_version_is_a_409(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    product = await create(client, admin)
    body = {"expected_version": 1, "terms": PRODUCT_TERMS}
    assert (
        await client.post(f"/v1/loan-products/{product['id']}/versions", headers=admin.headers, json=body)
    ).status_code == 201
    stale = await client.post(f"/v1/loan-products/{product['id']}/versions", headers=admin.headers, json=body)
    assert stale.status_code == 409 and stale.json()["code"] == "product.version_mismatch"


async def test_duplicate_code_is_a_409(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    await create(client, admin)
    response = await client.post(
        "/v1/loan-products", headers=admin.headers, json={"code": "PRO-MICRO", "name": "x", "terms": PRODUCT_TERMS}
    )
    assert response.status_code == 409


async def test_inconsistent_terms_are_refused_naming_the_field(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    cases = {
        "terms.max_amount": {"max_amount": "500.00"},
        "terms.min_amount": {"min_amount": "10.001"},
        "terms.annual_interest_rate": {"annual_interest_rate": "120"},
        "terms.max_installments": {"min_installments": 50},
        "terms.guarantor_coverage_percent": {"guarantor_coverage_percent": "101"},
    }
    for field, change in cases.items():
        response = await client.post(
            "/v1/loan-products",
            headers=admin.headers,
            json={"code": "BAD", "name": "x", "terms": {**PRODUCT_TERMS, **change}},
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field


async def test_legal_data_is_seeded_and_extendable(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    ceilings = (await client.get("/v1/legal-ceilings", headers=admin.headers)).json()
    assert {(c["category"], c["max_total_outstanding"], c["max_duration_months"]) for c in ceilings} == {
        ("professional_microcredit", "12000.00", 60),
        ("personal_microcredit", "8000.00", 84),
    }
    thresholds = (await client.get("/v1/usury-thresholds", headers=admin.headers)).json()
    assert [t["max_rate"] for t in thresholds] == ["23.24", "15.67", "8.63"]
    added = await client.post(
        "/v1/usury-thresholds",
        headers=admin.headers,
        json={
            "category": "personal_microcredit",
            "currency": "EUR",
            "amount_above": "0",
            "amount_up_to": "3000.00",
            "max_rate": "22.90",
            "valid_from": "2026-10-01",
        },
    )
    assert added.status_code == 201 and added.json()["max_rate"] == "22.90"
    bad_body = {
        "category": "personal_microcredit",
        "currency": "EUR",
        "max_total_outstanding": "8000.00",
        "max_duration_months": 84,
        "valid_from": "2026-10-01",
        "valid_to": "2026-01-01",
    }
    bad = await client.post("/v1/legal-ceilings", headers=admin.headers, json=bad_body)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "valid_to"
    for field in ("valid_from", "valid_to"):  # dates outside the business calendar (1900-2999)
        body = {**bad_body, "valid_from": "2026-10-01", "valid_to": None, field: "0001-01-01"}
        out_of_range = await client.post("/v1/legal-ceilings", headers=admin.headers, json=body)
        assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["field"] == field
