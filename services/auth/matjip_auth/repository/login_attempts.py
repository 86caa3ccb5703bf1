"""Login attempt counters in Redis: a fixed window per account (by email digest) and per client IP."""

import hashlib

from redis.asyncio import Redis

from matjip_auth.domain.throttling import AttemptCount

# Decrement only a live counter: DECR on an expired key would create one at -1 that never expires.
_UNCOUNT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


def _account_key(email: str) -> str:
    # Digest rather than the address itself: Redis key names show up in monitoring and dumps.
    return "auth:login-attempts:account:" + hashlib.sha256(email.encode()).hexdigest()


def _ip_key(ip: str) -> str:
    return f"auth:login-attempts:ip:{ip}"


class LoginAttempts:
    def __init__(self, redis: Redis, window_seconds: int) -> None:
        self.redis = redis
        self.window_seconds = window_seconds
        self._uncount = redis.register_script(_UNCOUNT)

    async def count(self, email: str, ip: str) -> tuple[AttemptCount, AttemptCount]:
        """Count one attempt for the account and the IP; the counts include it."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in (_account_key(email), _ip_key(ip)):
                pipe.incr(key)
                pipe.expire(key, self.window_seconds, nx=True)  # the window starts at its first attempt
                pipe.ttl(key)
            account_count, _, account_ttl, ip_count, _, ip_ttl = await pipe.execute()
        return AttemptCount(int(account_count), int(account_ttl)), AttemptCount(int(ip_count), int(ip_ttl))

    async def succeeded(self, email: str, ip: str) -> None:
        """A success clears the account's failures and takes this attempt off the IP's count."""
        await self.redis.delete(_account_key(email))
        await self._uncount(keys=[_ip_key(ip)])
