"""Staff users, partners and their API keys, borrowers and their one-time login codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import Conflict, NotAuthenticated, NotFound, RuleViolation
from domain.identity.model import (
    PARTNER_KINDS,
    USERNAME,
    ApiKey,
    Borrower,
    LoginCode,
    Partner,
    Principal,
    PrincipalKind,
    Role,
    StaffUser,
    check_password_strength,
    ensure_may_see_borrower,
    ensure_may_see_partner,
    normalise_email,
    normalise_phone,
    normalise_username,
)
from domain.ids import new_id
from service.identity.ports import (
    IdentityUnitOfWork,
    LoginCodeSender,
    PasswordHasher,
    SignInBackoff,
    StaffTokenVersions,
    TokenCodec,
)

API_KEY_PREFIX = "mck"
# Five wrong tries kill a code (LoginCode.MAX_ATTEMPTS), never the borrower's sign-in: a stranger
# who knows the address could otherwise lock them out. What bounds guessing is how many codes are
# sent: a few an hour per asking address, and a ceiling per borrower that one stranger cannot reach
# (at most 5 x 20 = 100 guesses of a million an hour, however many addresses ask).
CODES_PER_HOUR_PER_ADDRESS = 5
CODES_PER_HOUR = 20


@dataclass(frozen=True, kw_only=True)
class CreateStaffUser:
    username: str
    full_name: str
    password: str
    roles: frozenset[Role]


@dataclass(frozen=True, kw_only=True)
class UpdateStaffUser:
    user_id: uuid.UUID
    expected_version: int
    full_name: str | None = None
    roles: frozenset[Role] | None = None
    active: bool | None = None
    password: str | None = None


async def create_staff_user(
    cmd: CreateStaffUser, *, uow: IdentityUnitOfWork, hasher: PasswordHasher, now: datetime
) -> StaffUser:
    username = normalise_username(cmd.username)
    if not USERNAME.fullmatch(username):
        raise RuleViolation(
            "3 to 64 characters: lowercase letters, digits, '.', '_' or '-'",
            code="identity.invalid_username",
            field="username",
        )
    if not cmd.roles:
        raise RuleViolation("at least one role is required", code="identity.no_role", field="roles")
    check_password_strength(cmd.password)
    async with uow:
        if await uow.staff_users.by_username(username) is not None:
            raise Conflict(f"username {username!r} is taken", code="identity.username_taken")
        user = StaffUser(
            id=new_id(),
            username=username,
            full_name=cmd.full_name.strip(),
            password_hash=await hasher.hash(cmd.password),
            roles=cmd.roles,
            active=True,
            created_at=now,
        )
        await uow.staff_users.add(user)
        await uow.commit()
    return user


async def update_staff_user(
    cmd: UpdateStaffUser, *, actor: Principal, uow: IdentityUnitOfWork, hasher: PasswordHasher
) -> StaffUser:
    async with uow:
        user = await uow.staff_users.get(cmd.user_id)
        if user is None:
            raise NotFound("staff user not found", code="staff_user.not_found")
        if user.version != cmd.expected_version:
            raise Conflict(
                f"staff user is at version {user.version}, not {cmd.expected_version}",
                code="staff_user.version_mismatch",
            )
        if cmd.full_name is not None:
            user.full_name = cmd.full_name.strip()
        revoke = False  # tokens issued so far carry the old roles or outlive a deactivation
        if cmd.roles is not None:
            if not cmd.roles:
                raise RuleViolation("at least one role is required", code="identity.no_role", field="roles")
            revoke |= cmd.roles != user.roles
            user.roles = cmd.roles
        if cmd.active is not None:
            revoke |= cmd.active != user.active
            user.active = cmd.active
        if cmd.password is not None:
            check_password_strength(cmd.password)
            user.password_hash = await hasher.hash(cmd.password)
            revoke = True  # a password changed after a leak must end the sessions opened with it
        if revoke:
            user.revoke_tokens()
        if user.id == actor.subject_id and (Role.ADMIN not in user.roles or not user.active):
            raise RuleViolation("an admin cannot remove their own admin access", code="identity.self_lockout")
        await uow.staff_users.save(user)
        await uow.commit()
    return user


async def list_staff_users(*, uow: IdentityUnitOfWork, after: uuid.UUID | None, limit: int) -> Sequence[StaffUser]:
    async with uow:
        return await uow.staff_users.page(after=after, limit=limit)


class SignInBackedOff(Exception):
    """Too many failed sign-ins of this account from this address: try again in ``wait`` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__("too many failed sign-ins; try again later")
        self.wait = wait


async def sign_in_staff(
    username: str,
    password: str,
    *,
    client: str,
    uow: IdentityUnitOfWork,
    hasher: PasswordHasher,
    backoff: SignInBackoff,
) -> tuple[Principal, StaffUser]:
    """The staff member these credentials name, behind the per-account back-off. The API's token
    route and the officers' sign-in page both come through here."""
    # Known or not, an account name backs off the same way: a refusal tells nobody who exists.
    account = username.strip().lower()
    wait = await backoff.wait(account, client)
    if wait is not None:
        raise SignInBackedOff(wait)
    async with uow:
        user = await uow.staff_users.by_username(account)
    # An unknown user costs one verification too, so the answer time does not tell who exists.
    matches = await hasher.verify(user.password_hash if user is not None else None, password)
    if user is None or not matches or not user.active:
        await backoff.failed(account, client)
        raise NotAuthenticated("wrong username or password", code="auth.invalid_credentials")
    await backoff.succeeded(account, client)
    return Principal(PrincipalKind.STAFF, user.id, user.roles, token_version=user.token_version), user


async def issue_staff_token(
    username: str,
    password: str,
    *,
    client: str,
    uow: IdentityUnitOfWork,
    hasher: PasswordHasher,
    backoff: SignInBackoff,
    tokens: TokenCodec,
    now: datetime,
    minutes: int,
) -> str:
    principal, _ = await sign_in_staff(username, password, client=client, uow=uow, hasher=hasher, backoff=backoff)
    return tokens.issue(principal, now=now, minutes=minutes)


async def authenticate_token(
    token: str, *, tokens: TokenCodec, staff_versions: StaffTokenVersions, now: datetime
) -> Principal | None:
    """The caller a bearer token names, or None. A staff token is refused as soon as its user is
    deactivated or loses a role (the user's token version moved on), not when it expires."""
    principal = tokens.read(token, now=now)
    if principal is None or principal.kind is not PrincipalKind.STAFF:
        return principal
    if await staff_versions.current(principal.subject_id) != principal.token_version:
        return None
    return principal


# --- partners and API keys -------------------------------------------------------------------------


async def create_partner(name: str, kind: str, *, uow: IdentityUnitOfWork, now: datetime) -> Partner:
    if kind not in PARTNER_KINDS:
        raise RuleViolation(
            f"kind must be one of {', '.join(sorted(PARTNER_KINDS))}", code="partner.unknown_kind", field="kind"
        )
    partner = Partner(id=new_id(), name=name.strip(), kind=kind, active=True, created_at=now)
    async with uow:
        await uow.partners.add(partner)
        await uow.commit()
    return partner


async def get_partner(partner_id: uuid.UUID, *, actor: Principal, uow: IdentityUnitOfWork) -> Partner:
    ensure_may_see_partner(actor, partner_id)
    async with uow:
        partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound("partner not found", code="partner.not_found")
    return partner


async def list_partners(*, uow: IdentityUnitOfWork, after: uuid.UUID | None, limit: int) -> Sequence[Partner]:
    async with uow:
        return await uow.partners.page(after=after, limit=limit)


def hash_api_key(secret: str) -> str:
    """API keys carry 190 bits of randomness, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    partner_id: uuid.UUID, label: str, *, uow: IdentityUnitOfWork, now: datetime, test: bool = False
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is shown this once and never stored.
    A ``test`` (sandbox) key sees and makes test data only."""
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    key = ApiKey(
        id=new_id(),
        partner_id=partner_id,
        prefix=prefix,
        key_hash=hash_api_key(secret),
        label=label.strip(),
        created_at=now,
        test=test,
    )
    async with uow:
        if await uow.partners.get(partner_id) is None:
            raise NotFound("partner not found", code="partner.not_found")
        await uow.api_keys.add(key)
        await uow.commit()
    return key, secret


async def list_api_keys(partner_id: uuid.UUID, *, uow: IdentityUnitOfWork) -> Sequence[ApiKey]:
    async with uow:
        if await uow.partners.get(partner_id) is None:
            raise NotFound("partner not found", code="partner.not_found")
        return await uow.api_keys.for_partner(partner_id)


async def revoke_api_key(partner_id: uuid.UUID, key_id: uuid.UUID, *, uow: IdentityUnitOfWork, now: datetime) -> ApiKey:
    async with uow:
        key = await uow.api_keys.get(key_id)
        if key is None or key.partner_id != partner_id:
            raise NotFound("API key not found", code="api_key.not_found")
        if key.revoked_at is None:
            key.revoked_at = now
            await uow.api_keys.save(key)
            await uow.commit()
    return key


async def authenticate_api_key(secret: str, *, uow: IdentityUnitOfWork) -> Principal | None:
    """The partner a presented key belongs to, or None for a malformed, unknown or revoked key."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    async with uow:
        key = await uow.api_keys.by_prefix(parts[1])
        partner = await uow.partners.get(key.partner_id) if key is not None else None
    if key is None or key.revoked_at is not None or partner is None or not partner.active:
        return None
    if not hmac.compare_digest(key.key_hash, hash_api_key(secret)):
        return None
    return Principal(PrincipalKind.PARTNER, key.partner_id, test=key.test)


# --- borrowers and their one-time codes --------------------------------------------------------------


async def create_borrower(
    full_name: str, email: str, phone: str | None, language: str, *, uow: IdentityUnitOfWork, now: datetime
) -> Borrower:
    if language not in {"fr", "en"}:
        raise RuleViolation("language must be fr or en", code="borrower.unknown_language", field="language")
    borrower = Borrower(
        id=new_id(),
        full_name=full_name.strip(),
        email=normalise_email(email),
        phone=normalise_phone(phone) if phone else None,
        language=language,
        created_at=now,
    )
    async with uow:
        if await uow.borrowers.by_email(borrower.email) is not None:
            raise Conflict("a borrower with this e-mail address exists", code="borrower.duplicate_email")
        await uow.borrowers.add(borrower)
        await uow.commit()
    return borrower


async def get_borrower(borrower_id: uuid.UUID, *, actor: Principal, uow: IdentityUnitOfWork) -> Borrower:
    ensure_may_see_borrower(actor, borrower_id)
    async with uow:
        borrower = await uow.borrowers.get(borrower_id)
    if borrower is None:
        raise NotFound("borrower not found", code="borrower.not_found")
    return borrower


def _code_hash(code: str, pepper: str) -> str:
    # Six digits are guessable offline from a plain hash; a keyed hash is not.
    return hmac.new(pepper.encode(), code.encode(), hashlib.sha256).hexdigest()


async def request_login_code(
    email: str,
    *,
    client: str,
    uow: IdentityUnitOfWork,
    sender: LoginCodeSender,
    pepper: str,
    now: datetime,
    minutes: int,
) -> None:
    """Send a fresh code to a known borrower. Unknown addresses get the same answer, and no code."""
    try:
        address = normalise_email(email)
    except RuleViolation:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with uow:
        borrower = await uow.borrowers.by_email(address)
        if borrower is None:
            return
        issued, from_client = await uow.login_codes.issued_since(borrower.id, now - timedelta(hours=1), client)
        if issued >= CODES_PER_HOUR or from_client >= CODES_PER_HOUR_PER_ADDRESS:
            return  # same answer: a flood of requests gets nothing more this hour
        await uow.login_codes.add(
            LoginCode(
                id=new_id(),
                borrower_id=borrower.id,
                code_hash=_code_hash(code, pepper),
                expires_at=now + timedelta(minutes=minutes),
                requested_from=client,
            )
        )
        await uow.commit()
    await sender.send(borrower, code)


async def exchange_login_code(
    email: str, code: str, *, uow: IdentityUnitOfWork, tokens: TokenCodec, pepper: str, now: datetime, minutes: int
) -> str:
    """A borrower token for a valid, unused, unexpired code; each wrong try counts against the code."""
    failure = NotAuthenticated("invalid or expired code", code="auth.invalid_code")
    try:
        address = normalise_email(email)
    except RuleViolation:
        raise failure from None
    async with uow:
        borrower = await uow.borrowers.by_email(address)
        login = await uow.login_codes.latest_for(borrower.id) if borrower is not None else None
        if borrower is None or login is None or not login.is_usable(now):
            raise failure
        if not hmac.compare_digest(login.code_hash, _code_hash(code.strip(), pepper)):
            login.attempts += 1
            await uow.login_codes.save(login)
            await uow.commit()
            raise failure
        login.used_at = now
        await uow.login_codes.save(login)
        await uow.commit()
    return tokens.issue(Principal(PrincipalKind.BORROWER, borrower.id), now=now, minutes=minutes)


async def purge_expired_login_codes(*, uow: IdentityUnitOfWork, now: datetime) -> int:
    async with uow:
        removed = await uow.login_codes.delete_expired(now - timedelta(days=1))
        await uow.commit()
    return removed
