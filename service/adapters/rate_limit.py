"""A fixed-window request counter in Redis, shared by every API worker."""

from __future__ import annotations

import time
from typing import Any


class RedisRateLimiter:
    """At most ``per_minute`` hits per client and minute; ``per_minute == 0`` turns it off.

    One pipelined INCR + EXPIRE per request: one round trip, and the count expires by itself.
    """

    def __init__(self, redis: Any, *, scope: str, per_minute: int) -> None:
        self.redis, self.scope, self.per_minute = redis, scope, per_minute

    async def hit(self, client: str) -> int | None:
        """Seconds to wait when over the limit, else None."""
        if self.per_minute <= 0:
            return None
        now = time.time()
        window = int(now // 60)
        key = f"ratelimit:{self.scope}:{client}:{window}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, 61)
            count, _ = await pipe.execute()
        if int(count) > self.per_minute:
            return max(1, int(60 - now % 60))
        return None
