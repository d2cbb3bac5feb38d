"""Ports every context shares: the unit of work, idempotency, rate limits, readiness."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, Self


class Idempotency(Protocol):
    async def begin(self, scope: str, key: str, request_hash: str) -> dict[str, Any] | None:
        """Hold the key for this transaction; the stored result of an earlier success with the same body,
        a Conflict while another request holds it, a RuleViolation if it was used with another body."""
        ...

    async def record(self, scope: str, key: str, request_hash: str, result: dict[str, Any]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Nothing is written unless the handler calls ``commit``.

    Each context's ``ports`` extends it with the repositories its handlers use (``IdentityUnitOfWork``
    and so on); an implementation builds a repository only when a handler first touches it."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, client: str) -> int | None:
        """Count one request of ``client``; the seconds to wait when over the limit, else None."""
        ...


class ReadinessProbe(Protocol):
    async def check(self) -> dict[str, bool]: ...
