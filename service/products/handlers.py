"""Loan products and their versions, legal reference data, and loan quotes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.errors import Conflict, NotFound, RuleViolation
from domain.ids import new_id
from domain.products.model import LegalCeiling, LoanProduct, ProductTerms, ProductVersion, QuoteRequest, UsuryThreshold
from domain.products.policies import schedule_terms_for
from domain.schedules import Schedule, build_schedule
from service.products.ports import ProductsUnitOfWork

PRODUCT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")


@dataclass(frozen=True)
class Quote:
    schedule: Schedule
    product: ProductVersion | None


async def create_product(
    code: str, name: str, terms: ProductTerms, *, uow: ProductsUnitOfWork, now: datetime
) -> LoanProduct:
    if not PRODUCT_CODE.fullmatch(code):
        raise RuleViolation(
            "2 to 40 characters: capital letters, digits, '_' or '-'", code="product.invalid_code", field="code"
        )
    product_id = new_id()
    product = LoanProduct(
        id=product_id,
        code=code,
        name=name.strip(),
        active=True,
        created_at=now,
        current=ProductVersion(id=new_id(), product_id=product_id, version=1, terms=terms, created_at=now),
    )
    async with uow:
        if await uow.products.by_code(code) is not None:
            raise Conflict(f"product code {code!r} is taken", code="product.code_taken")
        await uow.products.add(product)
        await uow.commit()
    return product


async def add_product_version(
    product_id: uuid.UUID, terms: ProductTerms, *, expected_version: int, uow: ProductsUnitOfWork, now: datetime
) -> LoanProduct:
    """Change a product by appending a version; offers already made keep the version they used."""
    async with uow:
        product = await uow.products.get(product_id, for_update=True)
        if product is None:
            raise NotFound("loan product not found", code="product.not_found")
        if product.current.version != expected_version:
            raise Conflict(
                f"the product is at version {product.current.version}, not {expected_version}",
                code="product.version_mismatch",
            )
        version = ProductVersion(
            id=new_id(), product_id=product_id, version=expected_version + 1, terms=terms, created_at=now
        )
        await uow.products.add_version(product, version)
        await uow.commit()
    product.current, product.versions_count = version, version.version
    return product


async def set_product_active(product_id: uuid.UUID, active: bool, *, uow: ProductsUnitOfWork) -> LoanProduct:
    async with uow:
        product = await uow.products.get(product_id, for_update=True)
        if product is None:
            raise NotFound("loan product not found", code="product.not_found")
        product.active = active
        await uow.products.save(product)
        await uow.commit()
    return product


async def get_product(product_id: uuid.UUID, *, uow: ProductsUnitOfWork) -> LoanProduct:
    async with uow:
        product = await uow.products.get(product_id)
    if product is None:
        raise NotFound("loan product not found", code="product.not_found")
    return product


async def get_product_version(product_id: uuid.UUID, version: int, *, uow: ProductsUnitOfWork) -> ProductVersion:
    async with uow:
        found = await uow.products.version(product_id, version)
    if found is None:
        raise NotFound("loan product version not found", code="product.version_not_found")
    return found


async def list_products(*, uow: ProductsUnitOfWork, after: uuid.UUID | None, limit: int) -> Sequence[LoanProduct]:
    async with uow:
        return await uow.products.page(after=after, limit=limit)


async def add_legal_ceiling(ceiling: LegalCeiling, *, uow: ProductsUnitOfWork) -> LegalCeiling:
    async with uow:
        await uow.legal_data.add_ceiling(ceiling)
        await uow.commit()
    return ceiling


async def add_usury_threshold(threshold: UsuryThreshold, *, uow: ProductsUnitOfWork) -> UsuryThreshold:
    async with uow:
        await uow.legal_data.add_usury_threshold(threshold)
        await uow.commit()
    return threshold


async def list_legal_ceilings(*, uow: ProductsUnitOfWork) -> Sequence[LegalCeiling]:
    async with uow:
        return await uow.legal_data.ceilings()


async def list_usury_thresholds(*, uow: ProductsUnitOfWork) -> Sequence[UsuryThreshold]:
    async with uow:
        return await uow.legal_data.usury_thresholds()


async def quote_loan(
    request: QuoteRequest, product_id: uuid.UUID | None, *, uow: ProductsUnitOfWork, today: date
) -> Quote:
    """A schedule with its TAEG. Without a product no database is touched (quotes are hot)."""
    version: ProductVersion | None = None
    if product_id is not None:
        product = await get_product(product_id, uow=uow)
        if not product.active:
            raise RuleViolation("this product is no longer offered", code="product.inactive", field="product_id")
        version = product.current
    terms = schedule_terms_for(request, version.terms if version else None, today=today)
    return Quote(schedule=build_schedule(terms), product=version)
