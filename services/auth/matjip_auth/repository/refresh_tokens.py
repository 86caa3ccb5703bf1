"""Refresh tokens and their families in Redis, stored by digest; rotation is one optimistic transaction.

Keys: `auth:refresh-token:<sha256>` (hash: family_id, user_id, status, expires_at) lives until the token
would expire, so a rotated token presented again is still recognised as reuse; `auth:refresh-family:<id>`
(hash: user_id, revoked) lives as long as its newest token; `auth:user-families:<user_id>` (set of family
ids) lets "sign out everywhere" find every session of a user, and lives as long as the newest of them.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import WatchError
from redis.typing import EncodableT, FieldT

from matjip_auth.domain.tokens import (
    RefreshFamily,
    RefreshTokenRecord,
    RefreshTokenStatus,
    RefreshVerdict,
    judge_refresh,
    new_family_id,
)


def _token_key(digest: str) -> str:
    return f"auth:refresh-token:{digest}"


def _family_key(family_id: str) -> str:
    return f"auth:refresh-family:{family_id}"


def _user_families_key(user_id: UUID) -> str:
    return f"auth:user-families:{user_id}"


def _text(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else str(k)): (v.decode() if isinstance(v, bytes) else str(v))
        for k, v in raw.items()
    }


def _record(found: Mapping[Any, Any]) -> RefreshTokenRecord | None:
    if not found:
        return None
    raw = _text(found)
    return RefreshTokenRecord(
        family_id=raw["family_id"],
        user_id=UUID(raw["user_id"]),
        status=RefreshTokenStatus(raw["status"]),
        expires_at=datetime.fromtimestamp(int(raw["expires_at"]), UTC),
    )


def _family(family_id: str, found: Mapping[Any, Any]) -> RefreshFamily | None:
    if not found:
        return None
    raw = _text(found)
    return RefreshFamily(family_id=family_id, user_id=UUID(raw["user_id"]), revoked=raw.get("revoked") == "1")


def _token_fields(family_id: str, user_id: UUID, expires_at: datetime) -> Mapping[FieldT, EncodableT]:
    return {
        "family_id": family_id,
        "user_id": str(user_id),
        "status": RefreshTokenStatus.ACTIVE.value,
        "expires_at": str(int(expires_at.timestamp())),
    }


class RefreshTokenStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def start_family(self, user_id: UUID, digest: str, expires_at: datetime) -> str:
        """A new family (one login) whose first token has the given digest."""
        family_id = new_family_id()
        async with self.redis.pipeline(transaction=True) as pipe:
            family: Mapping[FieldT, EncodableT] = {"user_id": str(user_id), "revoked": "0"}
            pipe.hset(_family_key(family_id), mapping=family)
            pipe.expireat(_family_key(family_id), expires_at)
            pipe.hset(_token_key(digest), mapping=_token_fields(family_id, user_id, expires_at))
            pipe.expireat(_token_key(digest), expires_at)
            pipe.sadd(_user_families_key(user_id), family_id)
            pipe.expireat(_user_families_key(user_id), expires_at)
            await pipe.execute()
        return family_id

    async def find(self, digest: str) -> RefreshTokenRecord | None:
        return _record(await self.redis.hgetall(_token_key(digest)))

    async def rotate(
        self, digest: str, new_digest: str, *, now: datetime, expires_at: datetime
    ) -> tuple[RefreshVerdict, RefreshTokenRecord | None]:
        """Judge the presented token and apply the verdict atomically: rotate it into `new_digest`, or
        revoke its family on reuse. Two concurrent uses of one token cannot both rotate: the loser's
        transaction is aborted by WATCH, and on retry it sees a rotated token (reuse)."""
        token_key = _token_key(digest)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(token_key)
                    record = _record(await pipe.hgetall(token_key))
                    family = None
                    if record is not None:
                        await pipe.watch(_family_key(record.family_id))
                        family = _family(record.family_id, await pipe.hgetall(_family_key(record.family_id)))
                    verdict = judge_refresh(record, family, now)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if record is not None and verdict is RefreshVerdict.ROTATE:
                        pipe.hset(token_key, "status", RefreshTokenStatus.ROTATED.value)
                        pipe.hset(
                            _token_key(new_digest), mapping=_token_fields(record.family_id, record.user_id, expires_at)
                        )
                        pipe.expireat(_token_key(new_digest), expires_at)
                        pipe.expireat(_family_key(record.family_id), expires_at, gt=True)
                        pipe.expireat(_user_families_key(record.user_id), expires_at, gt=True)
                    elif record is not None and verdict is RefreshVerdict.REUSED:
                        pipe.hset(_family_key(record.family_id), "revoked", "1")
                    await pipe.execute()
                    return verdict, record
                except WatchError:
                    continue

    async def revoke_family(self, family_id: str, *, remember_seconds: int) -> None:
        """Mark the family revoked. If it already expired, the marker gets its own expiry (never a key
        without TTL); if it exists, its expiry is kept."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(_family_key(family_id), "revoked", "1")
            pipe.expire(_family_key(family_id), remember_seconds, nx=True)
            await pipe.execute()

    async def revoke_user_families(self, user_id: UUID, *, remember_seconds: int) -> int:
        """Revoke every family (session) of the user; how many there were."""
        members = await self.redis.smembers(_user_families_key(user_id))
        family_ids = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in members)
        async with self.redis.pipeline(transaction=True) as pipe:
            for family_id in family_ids:
                pipe.hset(_family_key(family_id), "revoked", "1")
                pipe.expire(_family_key(family_id), remember_seconds, nx=True)
            pipe.delete(_user_families_key(user_id))
            await pipe.execute()
        return len(family_ids)
