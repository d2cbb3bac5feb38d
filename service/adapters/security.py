"""Password hashing (argon2id) and short-lived signed access tokens (JWT, HS256)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.identity.model import Principal, PrincipalKind, Role

_ISSUER = "microcredit"


class Argon2PasswordHasher:
    def __init__(self, *, fast: bool = False) -> None:
        # Tests use cheap parameters; production keeps argon2-cffi's recommended ones.
        self._argon = Argon2(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2()

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class JwtTokenCodec:
    """Access tokens carry who the caller is; they expire quickly, so they are not stored."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

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
            if kind is PrincipalKind.PARTNER:
                return None  # partners authenticate with API keys only
            roles = frozenset(Role(r) for r in claims.get("roles", [])) if kind is PrincipalKind.STAFF else frozenset()
            return Principal(kind, uuid.UUID(claims["sub"]), roles)
        except (jwt.PyJWTError, ValueError, KeyError, TypeError):
            return None
