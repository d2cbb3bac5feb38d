"""Repositories for loan products (with their versions) and the legal reference data."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.money import RoundingMode, minor_unit
from domain.products.model import (
    LegalCeiling,
    LoanProduct,
    ProductCategory,
    ProductTerms,
    ProductVersion,
    UsuryThreshold,
)
from domain.schedules import Amortization, DayCount, Fee, FeeCollection, InterestMethod, InterestPeriod, RepaymentUnit
from service.kernel.db.mapping import plain, row_values, servicing_from_json, servicing_to_json, to_domain
from service.products.tables import LegalCeilingRow, LoanProductRow, ProductVersionRow, UsuryThresholdRow

_ENUMS: dict[str, Any] = {
    "category": ProductCategory,
    "repayment_unit": RepaymentUnit,
    "interest_method": InterestMethod,
    "amortization": Amortization,
    "interest_period": InterestPeriod,
    "day_count": DayCount,
    "rounding": RoundingMode,
}


def _fee_to_json(fee: Fee) -> dict[str, Any]:
    return {
        "name": fee.name,
        "collection": fee.collection.value,
        "percent_of_principal": None if fee.percent_of_principal is None else str(fee.percent_of_principal),
        "amount": None if fee.amount is None else str(fee.amount),
    }


def _fee_from_json(data: dict[str, Any]) -> Fee:
    def dec(v: str | None) -> Decimal | None:
        return None if v is None else Decimal(v)

    return Fee(
        name=data["name"],
        collection=FeeCollection(data["collection"]),
        percent_of_principal=dec(data["percent_of_principal"]),
        amount=dec(data["amount"]),
    )


def _terms_from_row(row: ProductVersionRow) -> ProductTerms:
    enums = {name: cls(getattr(row, name)) for name, cls in _ENUMS.items()}
    unit = minor_unit(row.currency)
    return to_domain(
        ProductTerms,
        row,
        fees=tuple(_fee_from_json(f) for f in row.fees),
        servicing=servicing_from_json(row.currency, row.servicing) if row.servicing else None,
        follow_up_months=tuple(row.follow_up_months) if row.follow_up_months is not None else None,
        **enums,
        min_amount=row.min_amount.quantize(unit),
        max_amount=row.max_amount.quantize(unit),
        annual_interest_rate=plain(row.annual_interest_rate),
        installment_multiple=plain(row.installment_multiple),
        guarantor_coverage_percent=plain(row.guarantor_coverage_percent),
    )


def _version_from_row(row: ProductVersionRow) -> ProductVersion:
    return ProductVersion(
        id=row.id, product_id=row.product_id, version=row.version, terms=_terms_from_row(row), created_at=row.created_at
    )


def _version_row(version: ProductVersion) -> ProductVersionRow:
    terms = version.terms
    values = row_values(terms, exclude=("fees", "servicing", "follow_up_months", *_ENUMS))
    values.update({name: getattr(terms, name).value for name in _ENUMS})
    return ProductVersionRow(
        id=version.id,
        product_id=version.product_id,
        version=version.version,
        created_at=version.created_at,
        fees=[_fee_to_json(f) for f in terms.fees],
        servicing=servicing_to_json(terms.servicing) if terms.servicing else {},
        follow_up_months=list(terms.follow_up_months) if terms.follow_up_months is not None else None,
        **values,
    )


class SqlProducts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, product: LoanProduct) -> None:
        self.session.add(
            LoanProductRow(
                id=product.id,
                code=product.code,
                name=product.name,
                active=product.active,
                current_version=product.current.version,
                created_at=product.created_at,
            )
        )
        await self.session.flush()
        self.session.add(_version_row(product.current))

    async def _assemble(self, row: LoanProductRow) -> LoanProduct:
        version = await self.session.scalar(
            select(ProductVersionRow).where(
                ProductVersionRow.product_id == row.id, ProductVersionRow.version == row.current_version
            )
        )
        assert version is not None
        return LoanProduct(
            id=row.id,
            code=row.code,
            name=row.name,
            active=row.active,
            created_at=row.created_at,
            current=_version_from_row(version),
            versions_count=row.current_version,
        )

    async def get(self, product_id: uuid.UUID, *, for_update: bool = False) -> LoanProduct | None:
        row = await self.session.get(LoanProductRow, product_id, with_for_update=for_update)
        return await self._assemble(row) if row else None

    async def by_code(self, code: str) -> LoanProduct | None:
        row = await self.session.scalar(select(LoanProductRow).where(LoanProductRow.code == code))
        return await self._assemble(row) if row else None

    async def version(self, product_id: uuid.UUID, version: int) -> ProductVersion | None:
        row = await self.session.scalar(
            select(ProductVersionRow).where(
                ProductVersionRow.product_id == product_id, ProductVersionRow.version == version
            )
        )
        return _version_from_row(row) if row else None

    async def add_version(self, product: LoanProduct, version: ProductVersion) -> None:
        """Append a version and make it current (the caller holds the product row lock)."""
        self.session.add(_version_row(version))
        row = await self.session.get(LoanProductRow, product.id)
        assert row is not None
        row.current_version = version.version

    async def save(self, product: LoanProduct) -> None:
        row = await self.session.get(LoanProductRow, product.id)
        assert row is not None
        row.name, row.active = product.name, product.active

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanProduct]:
        query = (
            select(LoanProductRow, ProductVersionRow)
            .join(
                ProductVersionRow,
                (ProductVersionRow.product_id == LoanProductRow.id)
                & (ProductVersionRow.version == LoanProductRow.current_version),
            )
            .order_by(LoanProductRow.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(LoanProductRow.id > after)
        result = await self.session.execute(query)
        return [
            LoanProduct(
                id=p.id,
                code=p.code,
                name=p.name,
                active=p.active,
                created_at=p.created_at,
                current=_version_from_row(v),
                versions_count=p.current_version,
            )
            for p, v in result
        ]


class SqlLegalData:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_ceiling(self, ceiling: LegalCeiling) -> None:
        self.session.add(LegalCeilingRow(**row_values(ceiling, category=ceiling.category.value)))

    async def add_usury_threshold(self, threshold: UsuryThreshold) -> None:
        self.session.add(UsuryThresholdRow(**row_values(threshold, category=threshold.category.value)))

    async def ceilings(self) -> Sequence[LegalCeiling]:
        rows = await self.session.scalars(select(LegalCeilingRow).order_by(LegalCeilingRow.valid_from.desc()))
        return [
            to_domain(
                LegalCeiling,
                r,
                category=ProductCategory(r.category),
                max_total_outstanding=r.max_total_outstanding.quantize(minor_unit(r.currency)),
            )
            for r in rows
        ]

    async def usury_thresholds(self) -> Sequence[UsuryThreshold]:
        rows = await self.session.scalars(
            select(UsuryThresholdRow).order_by(UsuryThresholdRow.valid_from.desc(), UsuryThresholdRow.amount_above)
        )
        return [
            to_domain(
                UsuryThreshold,
                r,
                category=ProductCategory(r.category),
                max_rate=plain(r.max_rate),
                amount_above=r.amount_above.quantize(minor_unit(r.currency)),
                amount_up_to=None if r.amount_up_to is None else r.amount_up_to.quantize(minor_unit(r.currency)),
            )
            for r in rows
        ]
