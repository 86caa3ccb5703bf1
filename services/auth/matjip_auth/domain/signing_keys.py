"""Which signing keys exist, which one signs, and which are published in the JWKS.

One key signs at a time. Rotation makes a new key the signer and retires the previous one; a retired
key stays published until every token it signed has expired (its retirement + the longest access-token
lifetime + clock leeway), then it is dropped and its private key deleted.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SigningKeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None = None
    verify_until: datetime | None = None  # set at retirement; None while it signs

    def is_published(self, now: datetime) -> bool:
        return self.verify_until is None or now < self.verify_until


@dataclass(frozen=True)
class KeyRing:
    active_kid: str
    keys: tuple[SigningKeyInfo, ...]

    @classmethod
    def first(cls, kid: str, now: datetime) -> "KeyRing":
        return cls(active_kid=kid, keys=(SigningKeyInfo(kid, created_at=now),))

    @property
    def active(self) -> SigningKeyInfo:
        return next(k for k in self.keys if k.kid == self.active_kid)

    def rotate(self, new_kid: str, now: datetime, token_lifetime: timedelta, leeway: timedelta) -> "KeyRing":
        """`new_kid` signs from now on; the previous signer verifies until its last token expired."""
        if any(k.kid == new_kid for k in self.keys):
            raise ValueError(f"key {new_kid} already exists")
        retired = tuple(
            replace(k, retired_at=now, verify_until=now + token_lifetime + leeway) if k.kid == self.active_kid else k
            for k in self.keys
        )
        return KeyRing(active_kid=new_kid, keys=(*retired, SigningKeyInfo(new_kid, created_at=now)))

    def published(self, now: datetime) -> tuple[SigningKeyInfo, ...]:
        """The keys the JWKS lists (and tokens may be verified with): the signer first."""
        live = [k for k in self.keys if k.is_published(now)]
        return tuple(sorted(live, key=lambda k: k.kid != self.active_kid))

    def prune(self, now: datetime) -> tuple["KeyRing", tuple[str, ...]]:
        """The ring without keys no token can need any more, and the kids removed."""
        removed = tuple(k.kid for k in self.keys if not k.is_published(now))
        kept = tuple(k for k in self.keys if k.is_published(now))
        return KeyRing(self.active_kid, kept), removed


def new_kid(now: datetime) -> str:
    # Date first: an operator reading a JWKS or a token header sees at once how old the key is.
    return f"{now:%Y%m%d}-{uuid.uuid4().hex[:12]}"
