"""Repositories for loan products (with their versions) and the legal reference data."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.money import RoundingMode, quantize
from domain.products.model import (
    LegalCeiling,
    LoanProduct,
    ProductCategory,
    ProductTerms,
    ProductVersion,
    UsuryThreshold,
)
from domain.schedules import Amortization, DayCount, Fee, InterestMethod, InterestPeriod, RepaymentUnit
from domain.servicing import ServicingTerms
from service.kernel.db.codec import from_jsonb, to_jsonb
from service.kernel.db.mapping import plain, row_values, to_domain
from service.products.tables import LegalCeilingRow, LoanProductRow, ProductVersionRow, UsuryThresholdRow

LOAN_PRODUCTS: Table = LoanProductRow.__table__  # type: ignore[assignment]
PRODUCT_VERSIONS: Table = ProductVersionRow.__table__  # type: ignore[assignment]
LEGAL_CEILINGS: Table = LegalCeilingRow.__table__  # type: ignore[assignment]
USURY_THRESHOLDS: Table = UsuryThresholdRow.__table__  # type: ignore[assignment]

# A product's own columns beside its current version's, under names the version's columns do not use.
_PRODUCT_COLUMNS = (
    LOAN_PRODUCTS.c.code.label("product_code"),
    LOAN_PRODUCTS.c.name.label("product_name"),
    LOAN_PRODUCTS.c.active.label("product_active"),
    LOAN_PRODUCTS.c.current_version.label("product_current_version"),
    LOAN_PRODUCTS.c.created_at.label("product_created_at"),
)

_ENUMS: dict[str, Any] = {
    "category": ProductCategory,
    "repayment_unit": RepaymentUnit,
    "interest_method": InterestMethod,
    "amortization": Amortization,
    "interest_period": InterestPeriod,
    "day_count": DayCount,
    "rounding": RoundingMode,
}


def _terms_from_row(row: Row[Any]) -> ProductTerms:
    enums = {name: cls(getattr(row, name)) for name, cls in _ENUMS.items()}
    return to_domain(
        ProductTerms,
        row,
        fees=from_jsonb(row.fees, tuple[Fee, ...]),
        servicing=from_jsonb(row.servicing, ServicingTerms, currency=row.currency) if row.servicing else None,
        follow_up_months=tuple(row.follow_up_months) if row.follow_up_months is not None else None,
        **enums,
        min_amount=quantize(row.min_amount, row.currency),
        max_amount=quantize(row.max_amount, row.currency),
        annual_interest_rate=plain(row.annual_interest_rate),
        installment_multiple=plain(row.installment_multiple),
        guarantor_coverage_percent=plain(row.guarantor_coverage_percent),
    )


def _version_from_row(row: Row[Any]) -> ProductVersion:
    return ProductVersion(
        id=row.id, product_id=row.product_id, version=row.version, terms=_terms_from_row(row), created_at=row.created_at
    )


def _version_values(version: ProductVersion) -> dict[str, Any]:
    terms = version.terms
    values = row_values(terms, exclude=("fees", "servicing", "follow_up_months", *_ENUMS))
    values.update({name: getattr(terms, name).value for name in _ENUMS})
    return dict(
        id=version.id,
        product_id=version.product_id,
        version=version.version,
        created_at=version.created_at,
        fees=to_jsonb(terms.fees),
        # The currency is the version's column.
        servicing=to_jsonb(terms.servicing, omit=("currency",)) if terms.servicing else {},
        follow_up_months=list(terms.follow_up_months) if terms.follow_up_months is not None else None,
        **values,
    )


class SqlProducts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, product: LoanProduct) -> None:
        await self.session.execute(
            insert(LOAN_PRODUCTS).values(
                id=product.id,
                code=product.code,
                name=product.name,
                active=product.active,
                current_version=product.current.version,
                created_at=product.created_at,
            )
        )
        await self.session.execute(insert(PRODUCT_VERSIONS).values(**_version_values(product.current)))

    async def _assemble(self, row: Row[Any]) -> LoanProduct:
        version = (
            await self.session.execute(
                select(PRODUCT_VERSIONS).where(
                    PRODUCT_VERSIONS.c.product_id == row.id, PRODUCT_VERSIONS.c.version == row.current_version
                )
            )
        ).one()
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
        query = select(LOAN_PRODUCTS).where(LOAN_PRODUCTS.c.id == product_id)
        row = (await self.session.execute(query.with_for_update() if for_update else query)).one_or_none()
        return await self._assemble(row) if row else None

    async def by_code(self, code: str) -> LoanProduct | None:
        row = (await self.session.execute(select(LOAN_PRODUCTS).where(LOAN_PRODUCTS.c.code == code))).one_or_none()
        return await self._assemble(row) if row else None

    async def version(self, product_id: uuid.UUID, version: int) -> ProductVersion | None:
        row = (
            await self.session.execute(
                select(PRODUCT_VERSIONS).where(
                    PRODUCT_VERSIONS.c.product_id == product_id, PRODUCT_VERSIONS.c.version == version
                )
            )
        ).one_or_none()
        return _version_from_row(row) if row else None

    async def add_version(self, product: LoanProduct, version: ProductVersion) -> None:
        """Append a version and make it current (the caller holds the product row lock)."""
        await self.session.execute(insert(PRODUCT_VERSIONS).values(**_version_values(version)))
        await self.session.execute(
            update(LOAN_PRODUCTS).where(LOAN_PRODUCTS.c.id == product.id).values(current_version=version.version)
        )

    async def save(self, product: LoanProduct) -> None:
        await self.session.execute(
            update(LOAN_PRODUCTS)
            .where(LOAN_PRODUCTS.c.id == product.id)
            .values(name=product.name, active=product.active)
        )

    async def page(self, *, after: uuid.UUID | None, limit: int) -> Sequence[LoanProduct]:
        query = (
            select(PRODUCT_VERSIONS, *_PRODUCT_COLUMNS)
            .join(
                LOAN_PRODUCTS,
                (PRODUCT_VERSIONS.c.product_id == LOAN_PRODUCTS.c.id)
                & (PRODUCT_VERSIONS.c.version == LOAN_PRODUCTS.c.current_version),
            )
            .order_by(LOAN_PRODUCTS.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(LOAN_PRODUCTS.c.id > after)
        return [
            LoanProduct(
                id=row.product_id,
                code=row.product_code,
                name=row.product_name,
                active=row.product_active,
                created_at=row.product_created_at,
                current=_version_from_row(row),
                versions_count=row.product_current_version,
            )
            for row in await self.session.execute(query)
        ]


class SqlLegalData:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_ceiling(self, ceiling: LegalCeiling) -> None:
        await self.session.execute(
            insert(LEGAL_CEILINGS).values(**row_values(ceiling, category=ceiling.category.value))
        )

    async def add_usury_threshold(self, threshold: UsuryThreshold) -> None:
        await self.session.execute(
            insert(USURY_THRESHOLDS).values(**row_values(threshold, category=threshold.category.value))
        )

    async def ceilings(self) -> Sequence[LegalCeiling]:
        rows = await self.session.execute(select(LEGAL_CEILINGS).order_by(LEGAL_CEILINGS.c.valid_from.desc()))
        return [
            to_domain(
                LegalCeiling,
                r,
                category=ProductCategory(r.category),
                max_total_outstanding=quantize(r.max_total_outstanding, r.currency),
            )
            for r in rows
        ]

    async def usury_thresholds(self) -> Sequence[UsuryThreshold]:
        rows = await self.session.execute(
            select(USURY_THRESHOLDS).order_by(USURY_THRESHOLDS.c.valid_from.desc(), USURY_THRESHOLDS.c.amount_above)
        )
        return [
            to_domain(
                UsuryThreshold,
                r,
                category=ProductCategory(r.category),
                max_rate=plain(r.max_rate),
                amount_above=quantize(r.amount_above, r.currency),
                amount_up_to=None if r.amount_up_to is None else quantize(r.amount_up_to, r.currency),
            )
            for r in rows
        ]
