"""Administration through the pages: a partner's API key created and shown once, then revoked;
staff users and their roles; products, legal data and failed notices listed; admins only where
the API says so."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text as sql

from service.kernel.db.engine import create_engine
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, sign_in_staff
from tests.loans import make_loan
from tests.ui.pages import csrf_of, post_form, sign_in_page

SECRET = re.compile(r'value="(mck_[^"]+)" data-secret')


async def test_a_partner_key_is_shown_once_works_and_is_revoked(
    client: AsyncTestClient[Litestar], admin: Caller
) -> None:
    await sign_in_page(client, admin.name)
    made = await post_form(
        client, "/ui/admin/partners", "/ui/admin/partners", name="Mission Locale Est", kind="youth_mission"
    )
    assert made.status_code == 303, made.text
    partner_page = made.headers["location"]
    created = await post_form(client, partner_page, f"{partner_page}/api-keys", label="CRM")
    assert created.status_code == 303 and created.headers["location"] == partner_page  # a reload makes no key
    shown = (await client.get(partner_page)).text
    secret = SECRET.search(shown)
    assert secret, "the new key's secret is shown"
    assert SECRET.search((await client.get(partner_page)).text) is None  # once only
    me = await client.get("/v1/auth/me", headers={"X-API-Key": secret.group(1)})
    assert me.status_code == 200, me.text
    revoke = re.search(r'action="([^"]+/revocation)"', shown)
    assert revoke
    revoked = await client.post(revoke.group(1), data={"_csrf": csrf_of(shown)}, follow_redirects=False)
    assert revoked.status_code == 303
    assert "révoquée le" in (await client.get(partner_page)).text
    assert (await client.get("/v1/auth/me", headers={"X-API-Key": secret.group(1)})).status_code == 401


async def test_staff_users_and_roles_through_the_page(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_page(client, admin.name)
    refused = await post_form(
        client, "/ui/admin/staff", "/ui/admin/staff", username="nadia", full_name="Nadia Ferhat", password="x" * 20
    )
    assert refused.status_code == 422 and "au moins un rôle est requis" in refused.text
    assert 'value="nadia"' in refused.text and "x" * 20 not in refused.text  # typed kept, password never
    html = (await client.get("/ui/admin/staff")).text
    created = await client.post(
        "/ui/admin/staff",
        data={
            "_csrf": csrf_of(html),
            "username": "nadia",
            "full_name": "Nadia Ferhat",
            "password": "a-long-enough-pass-1",
            "roles": ["loan_officer"],
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    async with uow_factory() as uow:
        nadia = await uow.staff_users.by_username("nadia")
    assert nadia is not None and {r.value for r in nadia.roles} == {"loan_officer"}
    html = (await client.get("/ui/admin/staff")).text
    changed = await client.post(
        f"/ui/admin/staff/{nadia.id}/roles",
        data={
            "_csrf": csrf_of(html),
            "version": str(nadia.version),
            "roles": ["loan_officer", "committee_member"],
            "active": "yes",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    async with uow_factory() as uow:
        again = await uow.staff_users.by_username("nadia")
    assert again is not None and {r.value for r in again.roles} == {"loan_officer", "committee_member"}


async def test_reads_render_and_officers_keep_out_of_admin_forms(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await sign_in_page(client, admin.name)
    for path, text in (
        ("/ui/admin", "Partenaires"),
        ("/ui/admin/products", "Produits de prêt"),
        ("/ui/admin/legal", "Plafonds légaux"),
        ("/ui/admin/notices", "Aucun avis en échec"),
    ):
        answer = await client.get(path)
        assert answer.status_code == 200 and text in answer.text, path
    await sign_in_staff(client, uow_factory, "officer", "loan_officer")
    await sign_in_page(client, "officer")
    assert (await client.get("/ui/admin/partners")).status_code == 403
    assert "/ui/admin" not in (await client.get("/ui/loans")).text  # no admin link for officers


async def test_failed_notices_are_named_in_the_pages_language(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory, settings: Settings
) -> None:
    assert admin.id is not None
    loan = await make_loan(uow_factory, officer_id=admin.id, borrower_name="Fatou Sow")
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sql("""INSERT INTO notices (id, recipient_kind, recipient_id, channel, event_key, kind, payload,
                                             status, last_error)
                        SELECT :id, 'applicant', l.applicant_id, 'sms', 'e', 'missed_payment', '{}', 'failed',
                               'sms.refused' FROM loans l WHERE l.id = :loan"""),
                {"id": uuid.uuid4(), "loan": loan.id},
            )
    finally:
        await engine.dispose()
    await sign_in_page(client, admin.name)
    html = (await client.get("/ui/admin/notices")).text
    assert "Échéance impayée" in html and "SMS" in html and "missed_payment" not in html
