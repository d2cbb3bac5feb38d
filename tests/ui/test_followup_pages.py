"""Follow-up from a loan's page: a contact handed to a volunteer mentor, an outcome recorded, a
refused outcome shown next to its field with what was typed; a loan rescheduled by an officer."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.followup.handlers import create_plan, follow_up_plan
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import lender_today, sign_in_staff
from tests.loans import make_loan
from tests.ui.pages import csrf_of, idempotency_of, sign_in_page

TODAY = lender_today()


async def test_a_contact_goes_to_a_mentor_then_its_outcome_is_recorded(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=40))
    await create_plan(loan.id, uow=uow_factory())
    await sign_in_page(client, "officer")
    page = f"/ui/loans/{loan.id}"
    html = (await client.get(page)).text
    mentor_form = re.search(r'action="([^"]+/mentor)"', html)
    outcome_form = re.search(r'action="([^"]+/outcome)"', html)
    assert mentor_form and outcome_form
    handed = await client.post(
        mentor_form.group(1),
        data={"_csrf": csrf_of(html), "mentor_name": "Bernard Lefort, 06 11 22 33 44"},
        follow_redirects=False,
    )
    assert handed.status_code == 303, handed.text
    html = (await client.get(page)).text
    assert "Bernard Lefort, 06 11 22 33 44" in html
    future = (TODAY + timedelta(days=2)).isoformat()
    fields = {"business_status": "active", "revenue_band": "under_10k", "jobs_created": "1", "difficulties": "stock"}
    refused = await client.post(outcome_form.group(1), data={"_csrf": csrf_of(html), "contacted_on": future, **fields})
    assert refused.status_code == 422 and 'id="e-contacted_on"' in refused.text and ">stock<" in refused.text
    recorded = await client.post(
        outcome_form.group(1),
        data={"_csrf": csrf_of(html), "contacted_on": TODAY.isoformat(), **fields},
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    plan = await follow_up_plan(loan.id, uow=uow_factory())
    first = plan.contacts[0]
    assert first.mentor_name == "Bernard Lefort, 06 11 22 33 44" and first.outcome is not None
    assert first.outcome.jobs_created == 1 and first.outcome.difficulties == "stock"


async def test_an_officer_reschedules_a_loan_from_its_page(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    loan = await make_loan(uow_factory, officer_id=officer.id, disbursed_on=TODAY - timedelta(days=40))
    await sign_in_page(client, "officer")
    page = f"/ui/loans/{loan.id}"
    html = (await client.get(page)).text
    body = {
        "_csrf": csrf_of(html),
        "_idempotency": idempotency_of(html),
        "value_date": TODAY.isoformat(),
        "first_due_date": (TODAY + timedelta(days=30)).isoformat(),
        "number_of_installments": "18",
        "reason": "baisse d'activité",
    }
    refused = await client.post(f"{page}/reschedule", data={**body, "number_of_installments": "dix-huit"})
    assert refused.status_code == 422 and 'id="e-number_of_installments"' in refused.text
    done = await client.post(f"{page}/reschedule", data=body, follow_redirects=False)
    assert done.status_code == 303, done.text
    after = (await client.get(page)).text
    assert "réaménagement" in after and "avenant 1" in after
