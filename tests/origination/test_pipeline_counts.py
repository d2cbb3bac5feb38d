"""The pipeline's counts through the API: exact, every stage and status listed, one officer's or
everyone's, the partners' sandbox people left out."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from domain.origination.applicants import Stage
from domain.origination.applications import Status
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller
from tests.origination.test_scenario import open_application, staff, step
from tests.products.test_http import create as create_product

_SANDBOX_PERSON = text(
    "INSERT INTO applicants (id, full_name, search_name, email, situation, stage, version, test) "
    "VALUES (gen_random_uuid(), 'Made Up', 'made up', 'made-up@example.org', 'job_seeker', 'referred', 1, true)"
)


async def test_the_counts_are_exact_per_stage_and_status_for_everyone_or_one_officer(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await staff(client, admin, "officer-p", "loan_officer")
    other = await staff(client, admin, "other-p", "loan_officer")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    for who, person in ((officer, "Aïcha Benoît"), (officer, "Paul Martin"), (other, "Sam Autre")):
        body = {"full_name": person, "email": f"{person.split()[1].lower()}@example.org", "situation": "other"}
        await open_application(client, who, product["id"], body, amount="2000.00", installments=12)
    async with uow_factory() as uow:
        await uow.session.execute(_SANDBOX_PERSON)
        await uow.commit()

    everyone = await step(await client.get("/v1/pipeline/counts", headers=officer.headers))
    assert [s["stage"] for s in everyone["stages"]] == [s.value for s in Stage]
    assert [s["status"] for s in everyone["statuses"]] == [s.value for s in Status]
    statuses = {s["status"]: s["count"] for s in everyone["statuses"]}
    assert statuses["draft"] == 3 and sum(statuses.values()) == 3
    assert sum(s["count"] for s in everyone["stages"]) == 3  # the sandbox person is not counted
    assert {s["stage"]: s["count"] for s in everyone["stages"]}["referred"] == 0

    mine = await step(
        await client.get("/v1/pipeline/counts", params={"officer_id": str(officer.id)}, headers=officer.headers)
    )
    assert {s["status"]: s["count"] for s in mine["statuses"]}["draft"] == 2
    assert sum(s["count"] for s in mine["stages"]) == 2
