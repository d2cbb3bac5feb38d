"""Password hashing (argon2id) and short-lived signed access tokens (JWT, HS256)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.identity.model import Principal, PrincipalKind, Role

_ISSUER = "microcredit"


class Argon2PasswordHasher:
    """argon2id in worker threads: a hash takes 100-400 ms of CPU, which on the event loop stalls
    every other request of the worker (argon2-cffi releases the GIL while it hashes).

    The pool is small on purpose: each hash holds 64 MiB and already spreads over several cores
    (argon2's lanes run in threads of their own), so more hashes at once would only make every
    sign-in slower and the process bigger."""

    def __init__(self, *, fast: bool = False) -> None:
        # Tests use cheap parameters; production keeps argon2-cffi's recommended ones.
        self._argon = Argon2(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
        # Made once: an unknown user is verified against it, so that costs one verification,
        # exactly like a wrong password (no hash per attempt, no timing difference).
        self._unknown_user_hash = self._argon.hash(uuid.uuid4().hex)

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._argon.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` (no such user) costs the same and is False."""
        checked = password_hash or self._unknown_user_hash
        matches = await asyncio.get_running_loop().run_in_executor(self._pool, self._check, checked, password)
        return matches and password_hash is not None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


# Clocks of the workers may differ a little; a token issued further in the future is forged.
_CLOCK_SKEW = timedelta(seconds=60)


class JwtTokenCodec:
    """Access tokens carry who the caller is; they expire quickly, so they are not stored.

    ``lifetimes`` (minutes per kind of caller) caps a token's age whatever its ``exp`` says: a
    token minted with a leaked key, or by an older release with longer lifetimes, dies anyway."""

    def __init__(self, secret: str, *, lifetimes: Mapping[PrincipalKind, int]) -> None:
        self._secret = secret
        self._lifetimes = {kind: timedelta(minutes=minutes) for kind, minutes in lifetimes.items()}

    def issue(self, principal: Principal, *, now: datetime, minutes: int) -> str:
        claims = {
            "iss": _ISSUER,
            "sub": str(principal.subject_id),
            "kind": principal.kind.value,
            "roles": sorted(r.value for r in principal.roles),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=minutes)).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if principal.kind is PrincipalKind.STAFF:
            claims["ver"] = principal.token_version
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def read(self, token: str, *, now: datetime) -> Principal | None:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                issuer=_ISSUER,
                options={"require": ["exp", "sub", "kind", "iat"], "verify_exp": False},
            )
            if int(claims["exp"]) <= now.timestamp():
                return None
            kind = PrincipalKind(claims["kind"])
            lifetime = self._lifetimes.get(kind)
            if lifetime is None:
                return None  # partners authenticate with API keys only
            issued_at = datetime.fromtimestamp(int(claims["iat"]), tz=UTC)
            if issued_at > now + _CLOCK_SKEW or issued_at + lifetime <= now:
                return None
            if kind is PrincipalKind.STAFF:
                roles = frozenset(Role(r) for r in claims.get("roles", []))
                return Principal(kind, uuid.UUID(claims["sub"]), roles, token_version=int(claims.get("ver", 0)))
            return Principal(kind, uuid.UUID(claims["sub"]))
        except (jwt.PyJWTError, ValueError, KeyError, TypeError):
            return None
