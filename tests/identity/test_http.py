"""Staff sign-in, partner API keys, borrower one-time codes, and who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.identity.model import Principal, PrincipalKind, Role
from service.identity.security import JwtTokenCodec
from service.settings import Settings
from service.wiring import SqlUnitOfWorkFactory
from tests.conftest import Caller, RecordingLoginCodeSender, sign_in_borrower, sign_in_partner, sign_in_staff


async def test_staff_signs_in_and_sees_their_roles(client: AsyncTestClient[Litestar], officer: Caller) -> None:
    me = (await client.get("/v1/auth/me", headers=officer.headers)).json()
    assert me == {"kind": "staff", "id": str(officer.id), "roles": ["loan_officer"]}


async def test_wrong_password_and_unknown_user_get_the_same_401(
    client: AsyncTestClient[Litestar], officer: Caller
) -> None:
    wrong = await client.post("/v1/auth/token", json={"username": "officer-user", "password": "not-the-password"})
    unknown = await client.post("/v1/auth/token", json={"username": "nobody", "password": "not-the-password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "auth.invalid_credentials"


async def test_expired_or_forged_token_is_refused(
    client: AsyncTestClient[Litestar], settings: Settings, officer: Caller
) -> None:
    assert officer.id is not None
    principal = Principal(PrincipalKind.STAFF, officer.id, frozenset({Role.ADMIN}))
    expired = JwtTokenCodec(settings.secret_key, lifetimes={PrincipalKind.STAFF: 15}).issue(
        principal, now=datetime.now(UTC) - timedelta(hours=1), minutes=15
    )
    forged = JwtTokenCodec("another-secret-that-is-long-enough-000000", lifetimes={PrincipalKind.STAFF: 15}).issue(
        principal, now=datetime.now(UTC), minutes=15
    )
    for token in (expired, forged, "not-a-token"):
        response = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


async def test_deactivated_staff_cannot_sign_in(
    client: AsyncTestClient[Litestar], admin: Caller, officer: Caller
) -> None:
    response = await client.patch(
        f"/v1/staff-users/{officer.id}", json={"version": 1, "active": False}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    signin = await client.post(
        "/v1/auth/token", json={"username": "officer-user", "password": "a-long-enough-test-password"}
    )
    assert signin.status_code == 401


async def test_stale_version_is_a_409(client: AsyncTestClient[Litestar], admin: Caller, officer: Caller) -> None:
    first = await client.patch(
        f"/v1/staff-users/{officer.id}", json={"version": 1, "full_name": "A"}, headers=admin.headers
    )
    second = await client.patch(
        f"/v1/staff-users/{officer.id}", json={"version": 1, "full_name": "B"}, headers=admin.headers
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    assert second.status_code == 409


async def test_admin_cannot_lock_themself_out(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    response = await client.patch(
        f"/v1/staff-users/{admin.id}", json={"version": 1, "roles": ["read_only"]}, headers=admin.headers
    )
    assert response.status_code == 422


async def test_duplicate_username_is_a_409(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    body = {"username": "jdoe", "full_name": "J Doe", "password": "long-enough-password", "roles": ["read_only"]}
    assert (await client.post("/v1/staff-users", json=body, headers=admin.headers)).status_code == 201
    assert (await client.post("/v1/staff-users", json=body, headers=admin.headers)).status_code == 409


async def test_short_password_is_refused_by_field(client: AsyncTestClient[Litestar], admin: Caller) -> None:
    body = {"username": "jdoe", "full_name": "J Doe", "password": "short", "roles": ["read_only"]}
    response = await client.post("/v1/staff-users", json=body, headers=admin.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "password"


async def test_partner_key_is_shown_once_stored_hashed_and_revocable(
    client: AsyncTestClient[Litestar], admin: Caller, uow_factory: SqlUnitOfWorkFactory
) -> None:
    partner = (
        await client.post(
            "/v1/partners", json={"name": "Mission Locale Est", "kind": "youth_mission"}, headers=admin.headers
        )
    ).json()
    created = await client.post(f"/v1/partners/{partner['id']}/api-keys", json={"label": "prod"}, headers=admin.headers)
    assert created.status_code == 201
    secret = created.json()["secret"]
    listed = await client.get(f"/v1/partners/{partner['id']}/api-keys", headers=admin.headers)
    assert secret not in listed.text
    async with uow_factory() as uow:
        stored = await uow.api_keys.by_prefix(created.json()["key"]["prefix"])
    assert stored is not None and secret not in stored.key_hash
    me = await client.get("/v1/auth/me", headers={"X-API-Key": secret})
    assert me.json() == {"kind": "partner", "id": partner["id"], "roles": []}
    revoked = await client.delete(
        f"/v1/partners/{partner['id']}/api-keys/{created.json()['key']['id']}", headers=admin.headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await client.get("/v1/auth/me", headers={"X-API-Key": secret})).status_code == 401


async def test_a_partner_reads_itself_and_not_another(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    first = await sign_in_partner(client, uow_factory, "first")
    second = await sign_in_partner(client, uow_factory, "second")
    assert (await client.get(f"/v1/partners/{first.id}", headers=first.headers)).status_code == 200
    assert (await client.get(f"/v1/partners/{second.id}", headers=first.headers)).status_code == 404


async def test_a_tampered_api_key_is_refused(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    partner = await sign_in_partner(client, uow_factory, "first")
    secret = partner.headers["X-API-Key"]
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert (await client.get("/v1/auth/me", headers={"X-API-Key": tampered})).status_code == 401


async def test_borrower_signs_in_with_a_one_time_code_and_sees_only_themself(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    bob = await sign_in_borrower(client, uow_factory, code_sender, "bob")
    assert (await client.get(f"/v1/borrowers/{alice.id}", headers=alice.headers)).status_code == 200
    assert (await client.get(f"/v1/borrowers/{bob.id}", headers=alice.headers)).status_code == 404
    reused = await client.post(
        "/v1/borrower-auth/tokens", json={"email": "alice@example.org", "code": code_sender.sent["alice@example.org"]}
    )
    assert reused.status_code == 401


async def test_unknown_address_gets_the_same_answer_and_no_code(
    client: AsyncTestClient[Litestar], code_sender: RecordingLoginCodeSender
) -> None:
    response = await client.post("/v1/borrower-auth/codes", json={"email": "nobody@example.org"})
    assert response.status_code == 202 and code_sender.sent == {}


async def test_a_code_dies_after_five_wrong_tries(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    from service.identity.handlers import create_borrower

    await create_borrower("Eve", "eve@example.org", None, "en", uow=uow_factory(), now=datetime.now(UTC))
    await client.post("/v1/borrower-auth/codes", json={"email": "eve@example.org"})
    right = code_sender.sent["eve@example.org"]
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        attempt = await client.post("/v1/borrower-auth/tokens", json={"email": "eve@example.org", "code": wrong})
        assert attempt.status_code == 401
    late = await client.post("/v1/borrower-auth/tokens", json={"email": "eve@example.org", "code": right})
    assert late.status_code == 401


async def test_borrower_token_cannot_reach_staff_routes(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory, code_sender: RecordingLoginCodeSender
) -> None:
    alice = await sign_in_borrower(client, uow_factory, code_sender, "alice")
    assert (await client.get("/v1/partners", headers=alice.headers)).status_code == 403


async def test_staff_user_creation_needs_admin(
    client: AsyncTestClient[Litestar], uow_factory: SqlUnitOfWorkFactory
) -> None:
    officer = await sign_in_staff(client, uow_factory, "someone", "loan_officer")
    body = {"username": "jdoe", "full_name": "J Doe", "password": "long-enough-password", "roles": ["admin"]}
    assert (await client.post("/v1/staff-users", json=body, headers=officer.headers)).status_code == 403
