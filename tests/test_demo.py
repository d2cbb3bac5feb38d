"""The demo data walks the real path: files prepared by the officer, decided by the committee, paid out."""

from __future__ import annotations

from domain.origination.applications import Action, Status
from service.devtools.demo import seed_demo
from service.persistence.unit_of_work import SqlUnitOfWorkFactory
from service.settings import Settings
from service.usecases.ports import ApplicationFilter
from tests.conftest import truncate_all


async def test_the_demo_has_an_approved_file_and_a_disbursed_loan_decided_by_someone_else(
    settings: Settings, uow_factory: SqlUnitOfWorkFactory
) -> None:
    try:
        await seed_demo(settings)
        await seed_demo(settings)  # a second run loads nothing twice
        async with uow_factory() as uow:
            files = await uow.applications.page(ApplicationFilter(), after=None, limit=50)
            by_status = {f.status: f for f in files}
            assert len(files) == 2 and set(by_status) == {Status.APPROVED, Status.DISBURSED}
            disbursed = by_status[Status.DISBURSED]
            loan = await uow.loans.for_application(disbursed.id)
            assert loan is not None and loan.principal == disbursed.amount
            assert all(c.met for c in disbursed.conditions) and disbursed.conditions
            for file in files:
                history = await uow.applications.history(file.id)
                decision = next(h for h in history if h.action is Action.APPROVE)
                assert decision.actor_id != file.officer_id and decision.details["votes"]["approve"] >= 2
    finally:
        await truncate_all(settings.database_url, settings.redis_url)
