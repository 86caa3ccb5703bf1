"""Rate limits are shared through the real Redis: per IP, and per user on top."""

import uuid

import pytest
from redis.asyncio import Redis

from matjip_platform.ratelimit import RateLimiter

pytestmark = pytest.mark.integration


async def test_budgets_per_ip_and_per_user(infra: object) -> None:
    redis = Redis.from_url(infra.redis_url, decode_responses=True)  # type: ignore[attr-defined]
    service = f"rl-{uuid.uuid4().hex[:8]}"
    limiter = RateLimiter(redis, service=service, per_ip=5, per_user=3)
    other_replica = RateLimiter(redis, service=service, per_ip=5, per_user=3)
    try:
        user = str(uuid.uuid4())
        verdicts = [await (limiter if i % 2 else other_replica).check("10.0.0.1", user) for i in range(4)]
        assert [v.allowed for v in verdicts] == [True, True, True, False]
        assert 0 < verdicts[-1].retry_after_seconds <= 60
        # Another user on the same IP still has the IP's remaining budget, then the IP is exhausted.
        assert (await limiter.check("10.0.0.1", str(uuid.uuid4()))).allowed
        assert not (await limiter.check("10.0.0.1", str(uuid.uuid4()))).allowed
        assert (await limiter.check("10.0.0.2", None)).allowed
    finally:
        await redis.aclose()


async def test_the_limiter_fails_open_when_redis_is_unreachable() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RateLimiter(redis, service="rl", per_ip=1, per_user=1)
    assert (await limiter.check("10.0.0.1", None)).allowed
    assert (await limiter.check("10.0.0.1", None)).allowed
    await redis.aclose()
