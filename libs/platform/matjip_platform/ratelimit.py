"""Request budgets per client IP and per user, counted in Redis so every replica shares them."""

import time
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0
    revoked: bool = False  # the `revocation_key` asked about exists (the caller's token was revoked)


class RateLimiter:
    """Fixed one-minute windows: INCR a key per (client, minute); the first hit sets its expiry.

    A request's one Redis round trip: the budgets and, when the caller presents a token, whether auth has
    revoked it are asked in one pipeline."""

    def __init__(self, redis: Redis, *, service: str, per_ip: int, per_user: int) -> None:
        self.redis = redis
        self.service = service
        self.per_ip = per_ip
        self.per_user = per_user

    async def check(self, ip: str, user_id: str | None, revocation_key: str | None = None) -> Verdict:
        window = int(time.time() // 60)
        budgets = [(f"ratelimit:{self.service}:ip:{ip}:{window}", self.per_ip)]
        if user_id:
            budgets.append((f"ratelimit:{self.service}:user:{user_id}:{window}", self.per_user))
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, _ in budgets:
                    pipe.incr(key)
                    pipe.expire(key, 61, nx=True)
                if revocation_key is not None:
                    pipe.exists(revocation_key)
                results = await pipe.execute()
        except RedisError as exc:
            # Failing open: losing the limiter for a moment is better than refusing every customer, and
            # short-lived access tokens bound what a missed revocation can do.
            log.warning("rate_limiter_unavailable", error=str(exc))
            return Verdict(True)
        counts = results[0 : 2 * len(budgets) : 2]
        revoked = revocation_key is not None and bool(results[-1])
        if any(count > limit for count, (_, limit) in zip(counts, budgets, strict=True)):
            return Verdict(False, retry_after_seconds=60 - int(time.time()) % 60, revoked=revoked)
        return Verdict(True, revoked=revoked)
