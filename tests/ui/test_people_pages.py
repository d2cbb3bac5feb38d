"""People search and a person's page, the pipeline and the quote form."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_partner, sign_in_staff
from tests.origination.test_referrals import REFERRAL, refer
from tests.origination.test_scenario import open_application, put_project
from tests.products.test_http import create as create_product
from tests.ui.pages import sign_in_page

HELENE = {"full_name": "Hélène Durand", "phone": "06 12 34 56 78", "situation": "job_seeker"}


async def test_one_box_finds_a_person_by_name_phone_email_or_siret(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    _, application, applicant = await open_application(
        client, officer, product["id"], HELENE, amount="2500.00", installments=12
    )
    await put_project(client, officer, applicant["id"], requested="2500.00", version=1, siret="73282932000074")
    await sign_in_page(client, "officer")
    for query in ("durand helene", "06.12.34.56.78", "732 829 320 00074"):
        found = await client.get("/ui/people", params={"q": query})
        assert found.status_code == 200 and f"/ui/people/{applicant['id']}" in found.text, query
    nobody = await client.get("/ui/people", params={"q": "Martin"})
    assert "Personne ne correspond" in nobody.text
    person = await client.get(f"/ui/people/{applicant['id']}")
    assert "Hélène Durand" in person.text and f"/ui/applications/{application['id']}" in person.text
    assert "Aucune inscription" in person.text and "Aucun prêt" in person.text
    assert "Venu de lui-même" in person.text  # a walk-in: no referral


async def test_a_referred_person_shows_who_referred_them_and_the_consent(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    partner = await sign_in_partner(client, uow_factory, "ft")
    body = {**REFERRAL, "consent": {**REFERRAL["consent"], "text_version": "FT-2026-01"}}
    assert (await refer(client, partner, body, "k1")).status_code == 201
    await sign_in_page(client, "officer")
    found = (await client.get("/ui/people", params={"q": "Diallo Amina"})).text
    person_url = found.split('href="/ui/people/')[1].split('"')[0]
    person = (await client.get(f"/ui/people/{person_url}")).text
    assert "Partner ft" in person and REFERRAL["project_idea"] in person and "2 nov. 2026" in person
    assert "texte FT-2026-01" in person


async def test_the_pipeline_counts_and_lists_by_stage_and_status(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    other = await sign_in_staff(client, uow_factory, "other", "loan_officer")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    _, mine, _ = await open_application(client, officer, product["id"], HELENE, amount="2500.00", installments=12)
    theirs = {"full_name": "Sam Other", "email": "sam@example.org", "situation": "other"}
    _, not_mine, _ = await open_application(client, other, product["id"], theirs, amount="2000.00", installments=12)
    await sign_in_page(client, "officer")
    drafts = (await client.get("/ui/pipeline", params={"status": "draft"})).text
    assert mine["id"] in drafts and not_mine["id"] in drafts
    only_mine = (await client.get("/ui/pipeline", params={"status": "draft", "mine": "true"})).text
    assert mine["id"] in only_mine and not_mine["id"] not in only_mine


# 230 people referred to the officer (more than a page, and than the 200 the counts once stopped at)
# and 3 of the sandbox's, which the pipeline leaves out.
_MANY_REFERRED = text(
    """
    INSERT INTO applicants (id, full_name, search_name, email, situation, stage, version, officer_id, test)
    SELECT gen_random_uuid(), 'Referred ' || g, 'referred ' || g, 'referred' || g || '@example.org',
           'job_seeker', 'referred', 1, :officer, g > 230
    FROM generate_series(1, 233) AS g
    """
)


async def test_the_pipeline_counts_exactly_and_lists_a_page_at_a_time(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_staff(client, uow_factory, "other", "loan_officer")
    async with uow_factory() as uow:
        await uow.session.execute(_MANY_REFERRED, {"officer": officer.id})
        await uow.commit()
    await sign_in_page(client, "officer")
    referred_row = '">orienté</a></td><td class="number">{}</td>'
    assert referred_row.format(230) in (await client.get("/ui/pipeline")).text
    listed: list[str] = []
    url, pages = "/ui/pipeline?stage=referred&mine=true", 0
    while url:
        html = (await client.get(url)).text
        assert referred_row.format(230) in html  # the counts stay exact on every page of the list
        listed += re.findall(r'href="/ui/people/([0-9a-f-]+)"', html)
        pages += 1
        following = re.search(r'href="(/ui/pipeline\?stage=referred&amp;mine=true&amp;after=[0-9a-f-]+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else ""
    assert (pages, len(listed), len(set(listed))) == (5, 230, 230)  # 50 a page, each person once
    await sign_in_page(client, "other")
    assert referred_row.format(0) in (await client.get("/ui/pipeline?mine=true")).text


async def test_the_quote_shows_the_schedule_and_taeg_and_errors_by_field(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    product = await create_product(client, admin, requires_training=False, guarantor_coverage_percent="0")
    await sign_in_page(client, "officer")
    query = {"product_id": product["id"], "amount": "5 000,00", "installments": "24"}
    api = await client.post(
        "/v1/loan-quotes",
        json={
            "product_id": product["id"],
            "principal": {"amount": "5000.00", "currency": "EUR"},
            "number_of_installments": 24,
        },
    )
    quoted = await client.get("/ui/quote", params=query)
    apr = api.json()["apr"].replace(".", ",")
    assert quoted.status_code == 200 and f"{apr}\xa0%" in quoted.text  # the API's TAEG, written in French
    assert quoted.text.count("<tr><td>") >= 24  # every instalment
    refused = await client.get("/ui/quote", params={**query, "amount": "beaucoup"})
    assert refused.status_code == 422 and "doit être un nombre" in refused.text and 'value="beaucoup"' in refused.text
    too_long = await client.get("/ui/quote", params={**query, "installments": "500"})
    assert too_long.status_code == 422
