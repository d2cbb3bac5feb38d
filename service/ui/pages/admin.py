"""Administration: staff users and their roles, partners and their API keys (a new key's secret is
shown once), loan products and their versions, legal ceilings and usury thresholds, failed notices.
Each page and form has the guard of the API route doing the same (admins, or all staff for reads)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from domain.errors import DomainError, RuleViolation
from domain.identity.model import PARTNER_KINDS, Principal, Role
from service.identity import handlers as identity
from service.kernel.http.guards import ALL_STAFF, allow
from service.notifications.handlers import failed_notices
from service.products import handlers as products
from service.services import Services
from service.ui.forms import Form
from service.ui.pages.fields import choice, required_text
from service.ui.rendering import page, page_language, see_other
from service.ui.session import session_data

Authed = Request[Principal, Any, Any]
LIST_LIMIT = 200
ROLES = tuple(r.value for r in Role)
NEW_KEY = "new_api_key"  # the session's one-time slot for a key's secret, read once by the partner page


@get("/ui/admin", guards=[allow(Role.ADMIN)])
async def admin_index(request: Authed) -> Template:
    return page(request, "admin.html")


# --- staff users ---------------------------------------------------------------------------------


async def _staff_page(request: Authed, services: Services, *, form: Form | None = None, status: int = 200) -> Template:
    users = await identity.list_staff_users(uow=services.uow(), after=None, limit=LIST_LIMIT)
    return page(request, "admin_staff.html", status=status, users=users, roles=ROLES, form=form or Form(), acting=None)


@get("/ui/admin/staff", guards=[allow(Role.ADMIN)])
async def staff_page(request: Authed, services: NamedDependency[Services]) -> Template:
    return await _staff_page(request, services)


def _roles(posted: Any) -> frozenset[Role]:
    chosen = [value for value in posted.getall("roles", []) if value in ROLES] if hasattr(posted, "getall") else []
    if not chosen:
        raise RuleViolation("at least one role is required", code="identity.no_role", field="roles")
    return frozenset(Role(value) for value in chosen)


@post("/ui/admin/staff", guards=[allow(Role.ADMIN)], status_code=303)
async def create_staff(request: Authed, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        await identity.create_staff_user(
            identity.CreateStaffUser(
                username=required_text(form, "username"),
                full_name=required_text(form, "full_name"),
                password=required_text(form, "password"),
                roles=_roles(await request.form()),
            ),
            uow=services.uow(),
            hasher=services.hasher,
            now=services.now(),
        )
    except DomainError as error:
        form.values.pop("password", None)  # never sent back into the page
        form.refuse(error, page_language(request))
        return await _staff_page(request, services, form=form, status=422)
    return see_other("/ui/admin/staff")


@post("/ui/admin/staff/{user_id:uuid}/roles", guards=[allow(Role.ADMIN)], status_code=303)
async def change_roles(request: Authed, user_id: uuid.UUID, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        await identity.update_staff_user(
            identity.UpdateStaffUser(
                user_id=user_id,
                expected_version=form.integer("version"),
                roles=_roles(await request.form()),
                active=form.get("active") == "yes",
            ),
            actor=request.user,
            uow=services.uow(),
            hasher=services.hasher,
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _staff_page(request, services, form=form, status=422)
    return see_other("/ui/admin/staff")


# --- partners and their API keys -------------------------------------------------------------------


async def _partners_page(
    request: Authed, services: Services, *, form: Form | None = None, status: int = 200
) -> Template:
    partners = await identity.list_partners(uow=services.uow(), after=None, limit=LIST_LIMIT)
    return page(
        request,
        "admin_partners.html",
        status=status,
        partners=partners,
        kinds=sorted(PARTNER_KINDS),
        form=form or Form(),
    )


@get("/ui/admin/partners", guards=[allow(Role.ADMIN)])
async def partners_page(request: Authed, services: NamedDependency[Services]) -> Template:
    return await _partners_page(request, services)


@post("/ui/admin/partners", guards=[allow(Role.ADMIN)], status_code=303)
async def create_partner(request: Authed, services: NamedDependency[Services]) -> Redirect | Template:
    form = await Form.of(request)
    try:
        partner = await identity.create_partner(
            required_text(form, "name"),
            choice(form, "kind", tuple(sorted(PARTNER_KINDS))),
            uow=services.uow(),
            now=services.now(),
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _partners_page(request, services, form=form, status=422)
    return see_other(f"/ui/admin/partners/{partner.id}")


async def _partner_page(
    request: Authed, services: Services, partner_id: uuid.UUID, *, form: Form | None = None, status: int = 200
) -> Template:
    partner = await identity.get_partner(partner_id, actor=request.user, uow=services.uow())
    keys = await identity.list_api_keys(partner_id, uow=services.uow())
    # A key just created: its secret is in the session until this page shows it, once.
    data = session_data(request)
    new_key = data.get(NEW_KEY)
    if new_key and new_key.get("partner_id") == str(partner_id):
        request.set_session({k: v for k, v in data.items() if k != NEW_KEY})
    else:
        new_key = None
    return page(
        request,
        "admin_partner.html",
        status=status,
        partner=partner,
        keys=sorted(keys, key=lambda k: k.created_at, reverse=True),
        new_key=new_key,
        form=form or Form(),
    )


@get("/ui/admin/partners/{partner_id:uuid}", guards=[allow(Role.ADMIN)])
async def partner_page(request: Authed, partner_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    return await _partner_page(request, services, partner_id)


@post("/ui/admin/partners/{partner_id:uuid}/api-keys", guards=[allow(Role.ADMIN)], status_code=303)
async def create_key(
    request: Authed, partner_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect | Template:
    """The key is made and the page shown again by a GET (a reload makes no second key); the
    secret travels in the session to that one GET, which shows it and forgets it."""
    form = await Form.of(request)
    try:
        key, secret = await identity.create_api_key(
            partner_id, required_text(form, "label"), uow=services.uow(), now=services.now()
        )
    except DomainError as error:
        form.refuse(error, page_language(request))
        return await _partner_page(request, services, partner_id, form=form, status=422)
    request.set_session(
        {**session_data(request), NEW_KEY: {"partner_id": str(partner_id), "id": str(key.id), "secret": secret}}
    )
    return see_other(f"/ui/admin/partners/{partner_id}")


@post(
    "/ui/admin/partners/{partner_id:uuid}/api-keys/{key_id:uuid}/revocation",
    guards=[allow(Role.ADMIN)],
    status_code=303,
)
async def revoke_key(
    request: Authed, partner_id: uuid.UUID, key_id: uuid.UUID, services: NamedDependency[Services]
) -> Redirect:
    await identity.revoke_api_key(partner_id, key_id, uow=services.uow(), now=services.now())
    return see_other(f"/ui/admin/partners/{partner_id}")


# --- products, legal data, failed notices (reads) -----------------------------------------------------


@get("/ui/admin/products", guards=[allow(*ALL_STAFF)])
async def products_page(request: Authed, services: NamedDependency[Services]) -> Template:
    found = await products.list_products(uow=services.uow(), after=None, limit=LIST_LIMIT)
    return page(request, "admin_products.html", products=found)


@get("/ui/admin/products/{product_id:uuid}", guards=[allow(*ALL_STAFF)])
async def product_page(request: Authed, product_id: uuid.UUID, services: NamedDependency[Services]) -> Template:
    product = await products.get_product(product_id, uow=services.uow())
    asked = request.query_params.get("version")
    number = int(asked) if asked and asked.isdigit() else product.current.version
    version = await products.get_product_version(product_id, number, uow=services.uow())
    return page(request, "admin_product.html", product=product, version=version, terms=version.terms)


@get("/ui/admin/legal", guards=[allow(*ALL_STAFF)])
async def legal_page(request: Authed, services: NamedDependency[Services]) -> Template:
    ceilings = await products.list_legal_ceilings(uow=services.uow())
    thresholds = await products.list_usury_thresholds(uow=services.uow())
    return page(request, "admin_legal.html", ceilings=ceilings, thresholds=thresholds)


@get("/ui/admin/notices", guards=[allow(*ALL_STAFF)])
async def notices_page(request: Authed, services: NamedDependency[Services]) -> Template:
    return page(request, "admin_notices.html", notices=await failed_notices(outbox=services.notices, limit=LIST_LIMIT))


ROUTES = [
    admin_index,
    staff_page,
    create_staff,
    change_roles,
    partners_page,
    create_partner,
    partner_page,
    create_key,
    revoke_key,
    products_page,
    product_page,
    legal_page,
    notices_page,
]
