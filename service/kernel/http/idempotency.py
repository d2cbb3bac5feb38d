"""The ``Idempotency-Key`` header and the key a handler stores a result under."""

from __future__ import annotations

import hashlib
from typing import Annotated

import msgspec
from litestar.params import HeaderParameter

from domain.identity.model import Principal
from service.kernel.idempotency import IdempotencyKey

IdempotencyHeader = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=(
            "a value unique to this request; a retry reuses it and, within the lender's replay window"
            " (72 hours unless the lender set another), gets the first answer"
        ),
    ),
]


def idempotency_key(principal: Principal, key: str, data: object, *, operation: str) -> IdempotencyKey:
    """A key is the caller's own; the operation and its target, with the body's canonical encoding,
    are the fingerprint, so a key reused on another route or object is refused rather than replayed."""
    fingerprint = hashlib.sha256(operation.encode() + b"\x1f" + msgspec.json.encode(data)).hexdigest()
    return IdempotencyKey(scope=f"{principal.kind.value}:{principal.subject_id}", key=key, request_hash=fingerprint)
