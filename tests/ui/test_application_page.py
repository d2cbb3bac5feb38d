"""An application through its page: only the actions its state allows, each error next to its
field, and the same use cases as the API from the draft to the disbursement."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, lender_today, sign_in_staff
from tests.origination.test_scenario import open_application
from tests.products.test_http import create as create_product
from tests.ui.pages import csrf_of, idempotency_of, post_form, sign_in_page

LEA = {"full_name": "Léa Dupont", "email": "lea@example.org", "situation": "job_seeker"}


async def act(client: AsyncTestClient[Litestar], page: str, action: str, status: int = 303, **fields: object) -> str:
    response = await post_form(client, page, f"{page}/{action}", **fields)
    assert response.status_code == status, response.text
    return response.text


def version_of(html: str) -> str:
    return html.split('name="version" value="')[1].split('"', maxsplit=1)[0]


async def test_from_draft_to_disbursement_through_the_pages(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_staff(client, uow_factory, "member-one", "committee_member")
    await sign_in_staff(client, uow_factory, "member-two", "committee_member")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    _, app, _ = await open_application(client, officer, product["id"], LEA, amount="3000.00", installments=12)
    page = f"/ui/applications/{app['id']}"

    await sign_in_page(client, "officer")
    html = (await client.get(page)).text
    assert "Déposer le dossier" in html and "Décaisser" not in html and "Voter" not in html
    assert "3\u202f000,00\xa0€" in html  # the French amount
    assert app["id"] in (await client.get("/ui/")).text  # waiting for the officer on the dashboard
    stale = await act(client, page, "moves/submit", 422, version="99")
    assert "rechargez" in stale  # a stale version says so, in French
    for move in ("submit", "start_review", "send_to_committee"):
        await act(client, page, f"moves/{move}", version=version_of((await client.get(page)).text))
    submitted = (await client.get(page)).text
    assert "Transmettre au comité" not in submitted  # the officer's moves are done
    assert "le produit prête de" in submitted and "the product lends" not in submitted  # checks in French

    for member in ("member-one", "member-two"):
        await sign_in_page(client, member)
        html = (await client.get(page)).text
        assert "Voter" in html and "Déposer le dossier" not in html and "Décaisser" not in html
        refused = await act(client, page, "vote", 422, vote="approve", comment="")
        assert 'aria-invalid="true"' in refused and "obligatoire" in refused
        await act(client, page, "vote", vote="approve", comment="solide")
    await act(
        client,
        page,
        "decision",
        version=version_of((await client.get(page)).text),
        decision="approve",
        comment="accordé",
    )
    decided = (await client.get(page)).text
    assert "accordé" in decided
    votes = decided.split('id="votes-title"')[1].split("</section>")[0]
    assert votes.count("<td>Test member-one</td>") == 1 and votes.count("<td>Test member-two</td>") == 1  # by name
    assert "solide" in votes and "Pour" in votes
    assert "Accordé par le comité — Test member-two" in votes and "— accordé</li>" in votes  # who decided

    await sign_in_page(client, "admin-user")  # the history (admins): who did each move, in words
    history = (await client.get(page)).text.split('id="history-title"')[1]
    assert "Accordé par le comité</td>" in history and "Test member-two</td>" in history
    assert "Dossier déposé</td>" in history and "Test officer</td>" in history

    await sign_in_page(client, "officer")
    today = lender_today().isoformat()
    refused = await act(
        client, page, "offer", 422, version=version_of((await client.get(page)).text), disbursement_date="pas une date"
    )
    assert "date invalide" in refused and 'value="pas une date"' in refused  # kept as typed
    await act(client, page, "offer", version=version_of((await client.get(page)).text), disbursement_date=today)
    html = (await client.get(page)).text
    assert "TAEG" in html and "\xa0%" in html and "contract.pdf" in html
    contract = await client.get(f"{page}/contract.pdf")
    assert contract.status_code == 200 and contract.content.startswith(b"%PDF")
    await act(client, page, "signature", version=version_of(html), signed_on=today)

    html = (await client.get(page)).text
    form = {"_csrf": csrf_of(html), "_idempotency": idempotency_of(html), "amount": "3000,00", "value_date": today}
    first = await client.post(f"{page}/disbursement", data=form, follow_redirects=False)
    again = await client.post(f"{page}/disbursement", data=form, follow_redirects=False)  # a double click
    assert (first.status_code, again.status_code) == (303, 303)
    html = (await client.get(page)).text
    assert "décaissé" in html and "Décaisser" not in html
    loans = (await client.get(f"/v1/loans?applicant_id={app['applicant_id']}", headers=officer.headers)).json()
    assert len(loans["items"]) == 1  # one loan, not two

    await sign_in_page(client, "admin-user")  # a manager sees the month's disbursement on the charts
    month = lender_today().strftime("%Y-%m")
    dashboard = (await client.get("/ui/")).text
    # this month: no referral (a walk-in), one application opened, submitted, approved and paid out
    row = f"<tr><td>{month}</td><td>0</td><td>1</td><td>1</td><td>1</td><td>1</td></tr>"
    assert 'data-chart="chart-pipeline"' in dashboard and row in dashboard
    assert 'data-chart="chart-survival"' in dashboard
    await sign_in_page(client, "officer")
    assert "data-chart" not in (await client.get("/ui/")).text  # the charts are the managers'


async def test_a_committee_condition_is_set_and_met_through_the_page(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    members = [await sign_in_staff(client, uow_factory, f"member-{n}", "committee_member") for n in (1, 2)]
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    url, app, _ = await open_application(client, officer, product["id"], LEA, amount="3000.00", installments=12)
    for path in ("submission", "review", "committee-referral"):
        app = (await client.post(f"{url}/{path}", headers=officer.headers, json={"version": app["version"]})).json()
    for member in members:
        vote = {"vote": "approve", "comment": "ok"}
        assert (await client.post(f"{url}/votes", headers=member.headers, json=vote)).status_code == 201
    page = f"/ui/applications/{app['id']}"
    await sign_in_page(client, "member-1")
    await act(client, page, "decision", version=app["version"], decision="approve", comment="oui",
              conditions="RIB fourni\nAttestation d'assurance")  # fmt: skip
    await sign_in_page(client, "officer")
    html = (await client.get(page)).text
    assert html.count("Lever la condition") == 2 and "à lever" in html
    version = version_of(html)
    refused = await act(client, page, "conditions/1", 422, version=version, evidence="")
    assert 'id="e-evidence-1"' in refused and "obligatoire" in refused
    await act(client, page, "conditions/1", version=version, evidence="RIB reçu le 30/11")
    html = (await client.get(page)).text
    assert html.count("Lever la condition") == 1 and "RIB reçu le 30/11" in html
