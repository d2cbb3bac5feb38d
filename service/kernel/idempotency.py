"""What a use case needs to know of an Idempotency-Key: who sent it, the key, and the body's hash."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IdempotencyKey:
    """``scope`` names the caller (a key is only unique per caller); ``request_hash`` fingerprints the body."""

    scope: str
    key: str
    request_hash: str
