"""A product version's fees and servicing terms as PostgreSQL keeps them (JSONB text) are what the
hand-written functions the codec replaced would have written (``tests.kernel.jsonb_legacy``)."""

from __future__ import annotations

import json
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.products.repositories import PRODUCT_VERSIONS, SqlProducts
from tests.conftest import Caller
from tests.kernel import jsonb_legacy as legacy
from tests.products.test_http import create


async def test_a_product_version_is_stored_as_the_old_code_stored_it(
    client: AsyncTestClient[Litestar], admin: Caller, engine: AsyncEngine
) -> None:
    fees = [
        {"name": "contribution", "percent_of_principal": "2.5", "collection": "withheld_at_disbursement"},
        {"name": "dossier", "amount": "30.00", "collection": "added_to_installments"},
    ]
    servicing = {"grace_days_before_late": 5, "late_fee": "15.00", "penalty_annual_rate": "4.5"}
    product = await create(client, admin, fees=fees, servicing=servicing)
    async with AsyncSession(engine) as session:
        loaded = await SqlProducts(session).get(uuid.UUID(product["id"]))
        assert loaded is not None and loaded.current.terms.servicing is not None
        terms = loaded.current.terms
        old_fees = json.dumps([legacy.fee_to_json(f) for f in terms.fees])
        old_servicing = json.dumps(legacy.servicing_to_json(loaded.current.terms.servicing))
        row = (
            await session.execute(
                text(
                    "SELECT v.fees::text = CAST(:fees AS jsonb)::text AS same_fees,"
                    " v.servicing::text = CAST(:servicing AS jsonb)::text AS same_servicing, v.fees::text AS stored"
                    f" FROM {PRODUCT_VERSIONS.name} v WHERE v.product_id = :id"
                ),
                {"fees": old_fees, "servicing": old_servicing, "id": loaded.id},
            )
        ).one()
    assert row.same_fees, row.stored
    assert row.same_servicing
    assert '"percent_of_principal": null' in row.stored and '"amount": "30.00"' in row.stored
