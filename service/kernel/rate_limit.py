"""Per-client request limits shared by every API worker through Redis, without a Redis call per request.

A Redis round trip costs about 50 µs of CPU in redis-py's asyncio client, more than the rest of a
quote. So each worker counts locally and adds its count to the shared Redis counter every
``sync_every`` requests of a client (``INCRBY``), deciding with the shared total it last saw plus
its own unsent count. A client can therefore get at most ``workers × (sync_every − 1)`` requests
more than the limit in a minute; ``sync_every`` is 1 (exact) for limits up to 39 per minute and
at most 5 % of the limit above that.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class _Window:
    minute: int
    shared: int = 0  # the Redis total at the last sync, every worker included
    unsent: int = 0  # this worker's hits not yet added to Redis


class RedisRateLimiter:
    """At most ``per_minute`` hits per client and minute (fixed windows); 0 turns it off."""

    def __init__(self, redis: Any, *, scope: str, per_minute: int) -> None:
        self.redis, self.scope, self.per_minute = redis, scope, per_minute
        self.sync_every = max(1, min(100, per_minute // 20))
        self._windows: dict[str, _Window] = {}
        self._minute = -1

    async def hit(self, client: str) -> int | None:
        """Seconds to wait when over the limit, else None."""
        if self.per_minute <= 0:
            return None
        now = time.time()
        minute = int(now // 60)
        if minute != self._minute:  # a new window: forget the last one's clients
            self._windows.clear()
            self._minute = minute
        window = self._windows.get(client)
        if window is None:
            window = self._windows[client] = _Window(minute)
        if window.shared + window.unsent + 1 > self.per_minute:
            return max(1, int(60 - now % 60))
        window.unsent += 1
        if window.unsent >= self.sync_every:
            await self._sync(client, window)
            if window.shared > self.per_minute:
                return max(1, int(60 - now % 60))
        return None

    async def _sync(self, client: str, window: _Window) -> None:
        key = f"ratelimit:{self.scope}:{client}:{window.minute}"
        sent, window.unsent = window.unsent, 0
        total = int(await self.redis.incrby(key, sent))
        if total == sent:  # first writer of this window sets its expiry
            await self.redis.expire(key, 61)
        window.shared = total


class RedisSignInBackoff:
    """Exponential back-off on failed sign-ins of one account, shared by every worker via Redis.

    Counted per (account, client address): after ``free_per_address`` failures each further try
    waits 1, 2, 4 ... seconds (at most ``max_wait``) after the last failure, so one address gets a
    few dozen guesses an hour while the owner, from their own address, still signs in. Counted per
    account too, with a much larger allowance, so that many addresses together get no more than
    that: locking an account out takes that many addresses, not one stranger.
    Counts are forgotten an hour after the last failure."""

    def __init__(
        self, redis: Any, *, free_per_address: int = 5, free_per_account: int = 100, max_wait: int = 900
    ) -> None:
        self.redis = redis
        self.free_per_address, self.free_per_account, self.max_wait = free_per_address, free_per_account, max_wait

    @staticmethod
    def _keys(account: str, client: str) -> tuple[str, str]:
        return f"sign-in-failures:{account}:{client}", f"sign-in-failures:{account}"

    def _remaining(self, state: list[Any], free: int, now: float) -> float:
        count, last = state
        if count is None or int(count) < free:
            return 0.0
        doublings = min(int(count) - free, 20)  # 2**20 s is far beyond max_wait already
        return float(last) + min(2.0**doublings, self.max_wait) - now

    async def wait(self, account: str, client: str) -> int | None:
        by_address, by_account = self._keys(account, client)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hmget(by_address, "count", "last")
            pipe.hmget(by_account, "count", "last")
            address_state, account_state = await pipe.execute()
        now = time.time()
        remaining = max(
            self._remaining(address_state, self.free_per_address, now),
            self._remaining(account_state, self.free_per_account, now),
        )
        return math.ceil(remaining) if remaining > 0 else None

    async def failed(self, account: str, client: str) -> None:
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self._keys(account, client):
                pipe.hincrby(key, "count", 1)
                pipe.hset(key, "last", repr(now))
                pipe.expire(key, 3600)
            await pipe.execute()

    async def succeeded(self, account: str, client: str) -> None:
        await self.redis.delete(self._keys(account, client)[0])
