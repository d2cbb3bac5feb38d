"""Personal fields encrypted at rest (issue 15): free text about a person that nobody searches on
(postal address, the project idea a partner reported, follow-up difficulties) is stored as a
Fernet token (AES-128-CBC + HMAC-SHA256, ``cryptography``).

Keys come from the settings (``ENCRYPTION_KEYS``: the current key first, older ones after, kept
until ``python -m service rotate-encryption-key`` has re-encrypted every row with the current one).
``create_engine`` installs them once per process, before any row is read: the column type has no
other way to reach them. A value that is not a token (a row written before encryption) is read as
it is, and the rotation command encrypts it.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

# Every Fernet token starts with its version byte 0x80, base64 "gAAAAA".
TOKEN_PREFIX = "gAAAAA"


class _Keyring:
    fernet: MultiFernet | None = None
    current: Fernet | None = None


def use_encryption_keys(keys: tuple[str, ...]) -> None:
    """Install the process's keys (the first one encrypts; all of them decrypt)."""
    fernets = [Fernet(key) for key in keys]
    _Keyring.fernet, _Keyring.current = MultiFernet(fernets), fernets[0]


def _fernet() -> MultiFernet:
    if _Keyring.fernet is None:
        raise RuntimeError("encryption keys not installed: create the engine with service.kernel.db.engine")
    return _Keyring.fernet


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(TOKEN_PREFIX):
        return value  # written before encryption; the rotation command encrypts it
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as error:
        raise RuntimeError("a personal field cannot be decrypted: is its key in ENCRYPTION_KEYS?") from error


def rotate(value: str) -> str:
    """The value encrypted with the current key (plain text encrypted, old tokens re-encrypted)."""
    if not value.startswith(TOKEN_PREFIX):
        return encrypt(value)
    return _fernet().rotate(value.encode()).decode()


def is_current(value: str) -> bool:
    """Whether ``value`` is a token of the current key (nothing to rotate)."""
    if not value.startswith(TOKEN_PREFIX):
        return False
    _fernet()
    assert _Keyring.current is not None
    try:
        _Keyring.current.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


class EncryptedText(TypeDecorator[str]):
    """TEXT holding a Fernet token; Python sees the plain text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(str(value))


async def reencrypt_column(engine: AsyncEngine, table: str, column: str, *, key: str = "id", batch: int = 500) -> int:
    """Re-encrypt one column with the current key, ``batch`` rows per transaction, in key order, so
    that a run stopped halfway resumes cheaply (rows already current are skipped). The names come
    from the metadata, never from a caller. Returns how many values were rewritten."""
    rewritten, after = 0, None
    select = text(
        f'SELECT "{key}" AS k, "{column}" AS v FROM "{table}" WHERE "{column}" IS NOT NULL'
        f' AND (CAST(:after AS text) IS NULL OR "{key}" > CAST(:after AS uuid)) ORDER BY "{key}" LIMIT :batch'
    )
    update = text(f'UPDATE "{table}" SET "{column}" = :v WHERE "{key}" = :k')
    while True:
        async with engine.begin() as connection:
            rows = (await connection.execute(select, {"after": after, "batch": batch})).all()
            stale = [{"k": r.k, "v": rotate(r.v)} for r in rows if not is_current(r.v)]
            if stale:
                await connection.execute(update, stale)
        rewritten += len(stale)
        if len(rows) < batch:
            return rewritten
        after = str(rows[-1].k)
