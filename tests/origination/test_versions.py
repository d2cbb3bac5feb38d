"""Lost updates of a file, a person or a plan are refused by the version each write names
(``UPDATE ... WHERE version = :expected``), and a write that changes nothing keeps the version."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.errors import Conflict
from service.wiring import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.origination.test_scenario import open_application, step
from tests.products.test_http import create as create_product

SAM = {"full_name": "Sam", "phone": "0611111111", "situation": "other"}


async def _file(client: AsyncTestClient[Litestar], admin: Caller, officer: Caller) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A draft application with its applicant and project: (url, application id, applicant id)."""
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    url, app, applicant = await open_application(client, officer, product["id"], SAM, amount="2000.00", installments=12)
    return url, uuid.UUID(app["id"]), uuid.UUID(applicant["id"])


async def _edit_application(uow: SqlUnitOfWork, ids: tuple[uuid.UUID, uuid.UUID], purpose: str) -> Any:
    app = await uow.applications.get(ids[0])
    assert app is not None
    app.purpose = purpose
    return lambda: uow.applications.save(app)


async def _edit_applicant(uow: SqlUnitOfWork, ids: tuple[uuid.UUID, uuid.UUID], name: str) -> Any:
    applicant = await uow.applicants.get(ids[1])
    assert applicant is not None
    return lambda: uow.applicants.save(replace(applicant, full_name=name))


async def _edit_project(uow: SqlUnitOfWork, ids: tuple[uuid.UUID, uuid.UUID], activity: str) -> Any:
    project = await uow.projects.get(ids[1])
    assert project is not None
    return lambda: uow.projects.save(replace(project, activity=activity))


Edit = Callable[[SqlUnitOfWork, tuple[uuid.UUID, uuid.UUID], str], Awaitable[Callable[[], Awaitable[None]]]]


@pytest.mark.parametrize("edit", [_edit_application, _edit_applicant, _edit_project])
async def test_the_second_of_two_concurrent_edits_is_a_stale_conflict(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory, edit: Edit
) -> None:
    _, application_id, applicant_id = await _file(client, admin, officer)
    ids = (application_id, applicant_id)
    async with uow_factory() as first, uow_factory() as second:
        save_mine = await edit(first, ids, "mine")
        save_theirs = await edit(second, ids, "theirs")  # read at the same version
        await save_mine()
        await first.commit()
        with pytest.raises(Conflict) as refused:
            await save_theirs()
    assert refused.value.code == "conflict.stale"


async def test_a_save_that_changes_nothing_keeps_the_version(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    url, application_id, _ = await _file(client, admin, officer)
    async with uow_factory() as uow:
        app = await uow.applications.get(application_id)
        assert app is not None
        before = app.version
        await uow.applications.save(app)
        assert app.version == before  # a client holding this version may still send it
        app.purpose = "a delivery van"
        await uow.applications.save(app)
        assert app.version == before + 1
        await uow.commit()
    stored = await step(await client.get(url, headers=officer.headers))
    assert stored["version"] == before + 1 and stored["purpose"] == "a delivery van"
