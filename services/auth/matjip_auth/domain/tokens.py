"""Access tokens (short-lived RS256 JWTs) and refresh tokens (opaque, rotated on every use).

Refresh tokens belong to a family started at login. Each use rotates the token: the presented one is
marked rotated and a new one joins the family. A rotated token presented again means two parties hold
the family (one of them a thief), so the whole family is revoked and both must log in again.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from matjip_contracts.events.common import Role

ACCESS_TOKEN_TYPE = "access"


@dataclass(frozen=True)
class AccessTokenPolicy:
    issuer: str
    audience: str
    lifetime: timedelta


def access_token_claims(
    policy: AccessTokenPolicy, user_id: UUID, role: Role, *, now: datetime, jti: str | None = None
) -> dict[str, Any]:
    """The claims of docs/conventions.md (sub, role, iss, aud, exp, iat, jti) plus typ=access."""
    return {
        "sub": str(user_id),
        "role": role.value,
        "iss": policy.issuer,
        "aud": policy.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + policy.lifetime).timestamp()),
        "jti": jti or uuid.uuid4().hex,
        "typ": ACCESS_TOKEN_TYPE,
    }


def remaining_lifetime_seconds(expires_at_epoch: int, now: datetime) -> int:
    """How long a revocation of a token must be remembered: until it would have expired anyway."""
    return max(1, expires_at_epoch - int(now.timestamp()))


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """Refresh tokens are stored only as digests: a leaked Redis dump holds no usable token.
    SHA-256 suffices (no salt or stretching): the tokens are 256 random bits, not guessable passwords."""
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokenStatus(StrEnum):
    ACTIVE = "active"
    ROTATED = "rotated"


@dataclass(frozen=True)
class RefreshTokenRecord:
    family_id: str
    user_id: UUID
    status: RefreshTokenStatus
    expires_at: datetime


@dataclass(frozen=True)
class RefreshFamily:
    family_id: str
    user_id: UUID
    revoked: bool


class RefreshVerdict(StrEnum):
    ROTATE = "rotate"  # valid: issue a new pair, mark this one rotated
    REUSED = "reused"  # already rotated: revoke the family
    REVOKED = "revoked"  # the family was revoked (logout or earlier reuse)
    UNKNOWN = "unknown"  # never issued, or long expired
    EXPIRED = "expired"


def judge_refresh(record: RefreshTokenRecord | None, family: RefreshFamily | None, now: datetime) -> RefreshVerdict:
    """What to do with a presented refresh token."""
    if record is None:
        return RefreshVerdict.UNKNOWN
    if family is None or family.revoked or family.user_id != record.user_id:
        return RefreshVerdict.REVOKED
    if record.status is RefreshTokenStatus.ROTATED:
        return RefreshVerdict.REUSED
    if record.expires_at <= now:
        return RefreshVerdict.EXPIRED
    return RefreshVerdict.ROTATE


def new_family_id() -> str:
    return uuid.uuid4().hex
