"""Routes for staff sign-in, staff users, partners and their API keys, borrowers and their codes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter

from domain.identity.model import (
    PARTNER_KINDS,
    ApiKey,
    Borrower,
    KeyMode,
    Partner,
    PrincipalKind,
    Role,
    StaffUser,
)
from domain.notifications.model import Language
from service.identity import handlers as uc
from service.kernel.http import messages
from service.kernel.http.audit import audited
from service.kernel.http.guards import ALL_STAFF, PUBLIC, AuthedRequest, allow, client_address
from service.kernel.http.middleware import rate_limit_hook
from service.kernel.http.problems import problems, request_language, too_many_requests
from service.kernel.http.schemas import NonEmptyText, Page, Password, next_cursor, published_as
from service.kernel.http.schemas import Request as RequestBody
from service.services import Services

T = TypeVar("T")
RoleName = Role
PartnerKindName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=40, extra_json_schema={"extra": {"enum": sorted(PARTNER_KINDS)}})
]
Limit = Annotated[int, Parameter(ge=1, le=200, description="page size")]


# --- schemas --------------------------------------------------------------------------------------
class IssueTokenRequest(RequestBody):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Password


class TokenResponse(msgspec.Struct, frozen=True):
    access_token: str
    token_type: str
    expires_in: int


class WhoAmIResponse(msgspec.Struct, frozen=True):
    kind: PrincipalKind
    id: uuid.UUID
    roles: list[Role]


class CreateStaffUserRequest(RequestBody):
    username: Annotated[str, msgspec.Meta(min_length=3, max_length=64)]
    full_name: NonEmptyText
    password: Password
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=4)]


class UpdateStaffUserRequest(RequestBody):
    version: Annotated[int, msgspec.Meta(ge=1)]
    full_name: NonEmptyText | msgspec.UnsetType = msgspec.UNSET
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=4)] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    password: Password | msgspec.UnsetType = msgspec.UNSET


class StaffUserResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    username: str
    full_name: str
    roles: list[Role]
    active: bool
    created_at: datetime
    version: int


class CreatePartnerRequest(RequestBody):
    name: NonEmptyText
    # A closed list, published as an enum in the contract; the use case checks it and names the
    # allowed kinds (the check stays there, so every door refuses an unknown kind the same way).
    kind: PartnerKindName


class PartnerResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    name: str
    kind: PartnerKindName
    active: bool
    created_at: datetime


KeyModeField = Annotated[
    KeyMode,
    msgspec.Meta(
        description="test: a sandbox key, which makes and sees test referrals only (invisible to live keys "
        "and, by default, to staff lists) and whose webhooks are sent like live ones"
    ),
]


class CreateApiKeyRequest(RequestBody):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
    mode: KeyModeField = KeyMode.LIVE


class ApiKeyResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    prefix: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    mode: KeyModeField = KeyMode.LIVE


class ApiKeyCreatedResponse(msgspec.Struct, frozen=True):
    """The key with its secret. The secret is shown this once: store it now, it cannot be read again."""

    key: ApiKeyResponse
    secret: str


class CreateBorrowerRequest(RequestBody):
    full_name: NonEmptyText
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    phone: Annotated[str, msgspec.Meta(min_length=6, max_length=30)] | None = None
    language: Language = Language.FR


class BorrowerResponse(msgspec.Struct, frozen=True):
    id: uuid.UUID
    full_name: str
    email: str
    phone: str | None
    language: Language
    created_at: datetime


class RequestLoginCodeRequest(RequestBody):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]


class LoginCodeRequestedResponse(msgspec.Struct, frozen=True):
    detail: str


class ExchangeLoginCodeRequest(RequestBody):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    code: Annotated[str, msgspec.Meta(pattern=r"^\s*[0-9]{6}\s*$", examples=["482913"])]


def given(value: T | msgspec.UnsetType) -> T | None:
    """A partial update's field: None when the client left it out."""
    return None if isinstance(value, msgspec.UnsetType) else value


def _staff_out(u: StaffUser) -> StaffUserResponse:
    return StaffUserResponse(
        id=u.id,
        username=u.username,
        full_name=u.full_name,
        roles=sorted(u.roles),
        active=u.active,
        created_at=u.created_at,
        version=u.version,
    )


def _partner_out(p: Partner) -> PartnerResponse:
    return PartnerResponse(id=p.id, name=p.name, kind=p.kind, active=p.active, created_at=p.created_at)


def _key_out(k: ApiKey) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=k.id,
        partner_id=k.partner_id,
        prefix=k.prefix,
        label=k.label,
        created_at=k.created_at,
        revoked_at=k.revoked_at,
        mode=k.mode,
    )


def _borrower_out(b: Borrower) -> BorrowerResponse:
    return BorrowerResponse(
        id=b.id,
        full_name=b.full_name,
        email=b.email,
        phone=b.phone,
        language=Language(b.language),
        created_at=b.created_at,
    )


# --- controllers ----------------------------------------------------------------------------------
sign_in_limited = rate_limit_hook("sign_in_limiter", "too many sign-in attempts; try again later")


# The published names of the pages (see ``published_as``).
StaffUserPage = Annotated[Page[StaffUserResponse], published_as("Page_service.api.identity.StaffUserResponse_")]
PartnerPage = Annotated[Page[PartnerResponse], published_as("Page_service.api.identity.PartnerResponse_")]


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]

    @post(
        "/token",
        **PUBLIC,
        before_request=sign_in_limited,
        operation_id="issueStaffToken",
        summary="Sign in as staff",
        status_code=200,
        responses=problems(400, 401, 429),
    )
    async def issue_token(
        self, data: JSONBody[IssueTokenRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> TokenResponse:
        """Exchanges a username and password for a short-lived bearer token; failed sign-ins back off per
        account and address (429 with Retry-After)."""
        minutes = services.settings.access_token_minutes
        try:
            token = await uc.issue_staff_token(
                data.username,
                data.password,
                client=client_address(request),
                uow=services.uow(),
                hasher=services.hasher,
                backoff=services.sign_in_backoff,
                tokens=services.tokens,
                now=services.now(),
                minutes=minutes,
            )
        except uc.SignInBackedOff as refusal:
            raise too_many_requests(str(refusal), refusal.wait) from None
        return TokenResponse(access_token=token, token_type="Bearer", expires_in=minutes * 60)

    @get(
        "/me",
        operation_id="whoAmI",
        summary="Who the presented credentials belong to",
        responses=problems(401),
        response_example={"kind": "partner", "id": "0190a5c4-7b1e-7c3a-9f2d-3e4b5a6c7d8e", "roles": []},
    )
    async def who_am_i(self, request: AuthedRequest) -> WhoAmIResponse:
        """The kind of caller (staff, partner or borrower), its id and, for staff, its roles."""
        p = request.user
        return WhoAmIResponse(kind=p.kind, id=p.subject_id, roles=sorted(p.roles))


class StaffUserController(Controller):
    path = "/v1/staff-users"
    tags = ["staff"]
    guards = [allow(Role.ADMIN)]

    @post(
        "/", operation_id="createStaffUser", summary="Create a staff user", responses=problems(400, 401, 403, 409, 422)
    )
    async def create(
        self, data: JSONBody[CreateStaffUserRequest], services: NamedDependency[Services]
    ) -> StaffUserResponse:
        """Creates a staff user with roles and a password meeting the policy; usernames are unique."""
        cmd = uc.CreateStaffUser(
            username=data.username,
            full_name=data.full_name,
            password=data.password,
            roles=frozenset(Role(r) for r in data.roles),
        )
        return _staff_out(
            await uc.create_staff_user(cmd, uow=services.uow(), hasher=services.hasher, now=services.now())
        )

    @get("/", operation_id="listStaffUsers", summary="List staff users", responses=problems(400, 401, 403))
    async def list_all(
        self, services: NamedDependency[Services], cursor: uuid.UUID | None = None, limit: Limit = 50
    ) -> StaffUserPage:
        """Staff users with their roles and status, a page at a time with `cursor` and `limit`."""
        users = list(await uc.list_staff_users(uow=services.uow(), after=cursor, limit=limit))
        return Page(items=[_staff_out(u) for u in users], next_cursor=next_cursor([u.id for u in users], limit))

    @patch(
        "/{user_id:uuid}",
        operation_id="updateStaffUser",
        summary="Change a staff user's roles, name, password or status",
        responses=problems(400, 401, 403, 404, 409, 422),
    )
    async def update(
        self,
        user_id: uuid.UUID,
        data: JSONBody[UpdateStaffUserRequest],
        services: NamedDependency[Services],
        request: AuthedRequest,
    ) -> StaffUserResponse:
        """Changes only the fields sent; a change of roles, password or status ends the user's current
        tokens."""
        roles = None if data.roles is msgspec.UNSET else frozenset(Role(r) for r in data.roles)
        cmd = uc.UpdateStaffUser(
            user_id=user_id,
            expected_version=data.version,
            roles=roles,
            full_name=given(data.full_name),
            active=given(data.active),
            password=given(data.password),
        )
        return _staff_out(
            await uc.update_staff_user(cmd, actor=request.user, uow=services.uow(), hasher=services.hasher)
        )


class PartnerController(Controller):
    path = "/v1/partners"
    tags = ["partners"]

    @post(
        "/",
        guards=[allow(Role.ADMIN)],
        operation_id="createPartner",
        summary="Register a partner organisation",
        responses=problems(400, 401, 403, 409, 422),
    )
    async def create(
        self, data: JSONBody[CreatePartnerRequest], services: NamedDependency[Services]
    ) -> PartnerResponse:
        """Registers a partner organisation of a known kind; it can then be given API keys."""
        return _partner_out(await uc.create_partner(data.name, data.kind, uow=services.uow(), now=services.now()))

    @get(
        "/",
        guards=[allow(*ALL_STAFF)],
        operation_id="listPartners",
        summary="List partner organisations",
        responses=problems(400, 401, 403),
    )
    async def list_all(
        self, services: NamedDependency[Services], cursor: uuid.UUID | None = None, limit: Limit = 50
    ) -> PartnerPage:
        """Partner organisations (agencies, missions, training providers), a page at a time with `cursor`
        and `limit`."""
        partners = list(await uc.list_partners(uow=services.uow(), after=cursor, limit=limit))
        return Page(items=[_partner_out(p) for p in partners], next_cursor=next_cursor([p.id for p in partners], limit))

    @get(
        "/{partner_id:uuid}",
        guards=[allow(*ALL_STAFF, partners=True)],
        operation_id="getPartner",
        response_example={
            "id": "0190a5c4-7b1e-7c3a-9f2d-3e4b5a6c7d8e",
            "name": "France Travail - agence de Montreuil",
            "kind": "employment_agency",
            "active": True,
            "created_at": "2026-03-02T09:00:00Z",
        },
        summary="Read a partner (a partner reads only itself)",
        responses=problems(400, 401, 403, 404),
    )
    async def read(
        self, partner_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> PartnerResponse:
        """The partner's name, kind and status; a partner may read only itself."""
        return _partner_out(await uc.get_partner(partner_id, actor=request.user, uow=services.uow()))

    @post(
        "/{partner_id:uuid}/api-keys",
        guards=[allow(Role.ADMIN)],
        operation_id="createPartnerApiKey",
        summary="Create an API key for a partner (the secret is shown once)",
        responses=problems(400, 401, 403, 404),
    )
    async def create_key(
        self, partner_id: uuid.UUID, data: JSONBody[CreateApiKeyRequest], services: NamedDependency[Services]
    ) -> ApiKeyCreatedResponse:
        """Creates a key and answers its secret once; only its hash is stored."""
        key, secret = await uc.create_api_key(
            partner_id, data.label, uow=services.uow(), now=services.now(), test=data.mode is KeyMode.TEST
        )
        return ApiKeyCreatedResponse(key=_key_out(key), secret=secret)

    @get(
        "/{partner_id:uuid}/api-keys",
        guards=[allow(Role.ADMIN)],
        operation_id="listPartnerApiKeys",
        summary="List a partner's API keys (never their secrets)",
        responses=problems(400, 401, 403, 404),
    )
    async def list_keys(self, partner_id: uuid.UUID, services: NamedDependency[Services]) -> list[ApiKeyResponse]:
        """The partner's keys with their names, prefixes and revocation dates; secrets are never shown
        again."""
        return [_key_out(k) for k in await uc.list_api_keys(partner_id, uow=services.uow())]

    @delete(
        "/{partner_id:uuid}/api-keys/{key_id:uuid}",
        guards=[allow(Role.ADMIN)],
        status_code=200,
        operation_id="revokePartnerApiKey",
        summary="Revoke a partner's API key",
        responses=problems(400, 401, 403, 404),
    )
    async def revoke_key(
        self, partner_id: uuid.UUID, key_id: uuid.UUID, services: NamedDependency[Services]
    ) -> ApiKeyResponse:
        """Revokes the key at once; requests with it get 401 from then on."""
        return _key_out(await uc.revoke_api_key(partner_id, key_id, uow=services.uow(), now=services.now()))


class BorrowerController(Controller):
    path = "/v1/borrowers"
    tags = ["borrowers"]

    @post(
        "/",
        guards=[allow(Role.ADMIN, Role.LOAN_OFFICER)],
        operation_id="createBorrower",
        summary="Register a borrower so that they can sign in to their own space",
        responses=problems(400, 401, 403, 409, 422),
    )
    async def create(
        self, data: JSONBody[CreateBorrowerRequest], services: NamedDependency[Services]
    ) -> BorrowerResponse:
        """Creates the borrower's sign-in for an applicant (e-mail or phone, language) so that they can
        follow their loans."""
        return _borrower_out(
            await uc.create_borrower(
                data.full_name, data.email, data.phone, data.language, uow=services.uow(), now=services.now()
            )
        )

    @get(
        "/{borrower_id:uuid}",
        guards=[allow(*ALL_STAFF, borrowers=True)],
        operation_id="getBorrower",
        opt=audited("borrower"),
        summary="Read a borrower (a borrower reads only themself)",
        responses=problems(400, 401, 403, 404),
    )
    async def read(
        self, borrower_id: uuid.UUID, services: NamedDependency[Services], request: AuthedRequest
    ) -> BorrowerResponse:
        """The borrower's contact details and language; a borrower may read only their own."""
        return _borrower_out(await uc.get_borrower(borrower_id, actor=request.user, uow=services.uow()))


class BorrowerAuthController(Controller):
    path = "/v1/borrower-auth"
    tags = ["auth"]

    @post(
        "/codes",
        **PUBLIC,
        before_request=sign_in_limited,
        status_code=202,
        operation_id="requestBorrowerLoginCode",
        summary="Send a one-time sign-in code to a borrower",
        responses=problems(400, 429),
    )
    async def request_code(
        self,
        data: JSONBody[RequestLoginCodeRequest],
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
    ) -> LoginCodeRequestedResponse:
        """Sends a one-time code by e-mail or SMS if the address is known; the answer is the same either
        way."""
        await uc.request_login_code(
            data.email,
            client=client_address(request),
            uow=services.uow(),
            sender=services.login_code_sender,
            pepper=services.settings.secret_key,
            now=services.now(),
            minutes=services.settings.borrower_code_minutes,
        )
        detail = messages.text(None, "if this address is known, a code has been sent", request_language(request))
        return LoginCodeRequestedResponse(detail=detail)

    @post(
        "/tokens",
        **PUBLIC,
        before_request=sign_in_limited,
        status_code=200,
        operation_id="exchangeBorrowerLoginCode",
        summary="Exchange a one-time code for a borrower token",
        responses=problems(400, 401, 429),
    )
    async def exchange(
        self, data: JSONBody[ExchangeLoginCodeRequest], services: NamedDependency[Services]
    ) -> TokenResponse:
        """Exchanges a valid one-time code for a borrower token; five wrong tries kill the code."""
        minutes = services.settings.borrower_token_minutes
        token = await uc.exchange_login_code(
            data.email,
            data.code,
            uow=services.uow(),
            tokens=services.tokens,
            pepper=services.settings.secret_key,
            now=services.now(),
            minutes=minutes,
        )
        return TokenResponse(access_token=token, token_type="Bearer", expires_in=minutes * 60)
