"""The database keeps the origination's closed sets: stored kinds, situations and stages are known values,
and migration 0013 files the plan's old ambiguous ``microcredit`` as another lender's."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from service.settings import Settings
from tests.conftest import truncate_all


@pytest.fixture
async def connection(settings: Settings) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(settings.database_url)
    async with engine.connect() as conn:
        yield conn
    await engine.dispose()
    await truncate_all(settings.database_url, settings.redis_url)


async def add_applicant(conn: AsyncConnection, *, situation: str = "job_seeker", stage: str = "referred") -> uuid.UUID:
    applicant_id = uuid.uuid4()
    await conn.execute(
        text(
            "insert into applicants (id, full_name, search_name, email, situation, stage, version) "
            "values (:id, 'X', 'x', :email, :situation, :stage, 1)"
        ),
        {"id": applicant_id, "email": f"{applicant_id.hex}@example.org", "situation": situation, "stage": stage},
    )
    return applicant_id


async def add_project(
    conn: AsyncConnection, applicant_id: uuid.UUID, *, resources: Any = (), documents: Any = ()
) -> None:
    await conn.execute(
        text(
            "insert into business_projects (id, applicant_id, activity, legal_status, currency, needs, resources, "
            "guarantors, documents, version) values (:id, :applicant, 'a', 'EI', 'EUR', '[]', "
            "cast(:resources as jsonb), '[]', cast(:documents as jsonb), 1)"
        ),
        {
            "id": uuid.uuid4(),
            "applicant": applicant_id,
            "resources": json.dumps(list(resources)),
            "documents": json.dumps(list(documents)),
        },
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"situation": "retired"},
        {"stage": "approved"},
        {"resources": [{"label": "x", "amount": "1.00", "kind": "microcredit"}]},
        {"documents": [{"kind": "passport", "filename": "p.pdf", "received_on": "2026-11-02"}]},
    ],
)
async def test_unknown_values_are_refused_by_the_database(connection: AsyncConnection, bad: dict[str, Any]) -> None:
    with pytest.raises(DBAPIError, match="check constraint"):
        applicant_id = await add_applicant(connection, **{k: v for k, v in bad.items() if k in ("situation", "stage")})
        await add_project(connection, applicant_id, **{k: v for k, v in bad.items() if k in ("resources", "documents")})
    await connection.rollback()


async def test_known_values_are_stored(connection: AsyncConnection) -> None:
    applicant_id = await add_applicant(connection, situation="self_employed", stage="financed")
    await add_project(
        connection,
        applicant_id,
        resources=[{"label": "ce prêt", "amount": "1.00", "kind": "requested_microcredit"}],
        documents=[{"kind": "business_plan", "filename": "bp.pdf", "received_on": "2026-11-02"}],
    )
    await connection.rollback()


async def test_0013_files_the_old_microcredit_kind_as_another_lenders(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config

    from service.cli import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    engine = create_async_engine(settings.database_url)
    await asyncio.to_thread(command.downgrade, config, "0012")
    try:
        async with engine.begin() as conn:
            applicant_id = await add_applicant(conn)
            old = [
                {"label": "Adie", "amount": "3000.00", "kind": "microcredit"},
                {"label": "apport", "amount": "500.00", "kind": "own_funds"},
            ]
            await add_project(conn, applicant_id, resources=old)
    finally:
        await asyncio.to_thread(command.upgrade, config, "head")
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("select resources from business_projects where applicant_id = :id"), {"id": applicant_id}
        )
    await engine.dispose()
    await truncate_all(settings.database_url, settings.redis_url)
    assert stored == [{**old[0], "kind": "other_microcredit"}, old[1]]
