"""Token verification: every service checks auth's RS256 JWTs itself against the published JWKS."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import httpx
import jwt
import structlog
from jwt import PyJWK

from matjip_contracts.events.common import Role
from matjip_platform.errors import Unauthorized

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    user_id: UUID
    role: Role
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class KeySet(Protocol):
    async def key(self, kid: str) -> PyJWK | None: ...


class StaticKeySet:
    """Keys given up front (auth's own keys, or tests)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK.from_dict(k, algorithm="RS256") for k in jwks["keys"]}

    async def key(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


class RemoteKeySet:
    """auth's JWKS fetched over HTTP and cached; an unknown kid triggers a refresh (key rotation), at most
    once per `min_refresh_seconds` so a flood of forged kids cannot hammer auth."""

    def __init__(self, url: str, *, ttl_seconds: float = 300.0, min_refresh_seconds: float = 2.0) -> None:
        self.url = url
        self.ttl_seconds = ttl_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        age = time.monotonic() - self._fetched_at
        if kid not in self._keys or age > self.ttl_seconds:
            await self._refresh(force=age > self.ttl_seconds)
        return self._keys.get(kid)

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            since = time.monotonic() - self._fetched_at
            if not force and since < self.min_refresh_seconds:
                # A kid unknown right after a fetch is a fresh rotation (or a forgery): wait out the
                # interval and look once more, so a new key is accepted within seconds but a flood of
                # forged kids still costs auth at most one fetch per interval.
                await asyncio.sleep(self.min_refresh_seconds - since)
            try:
                async with httpx.AsyncClient(timeout=3.0) as client:
                    response = await client.get(self.url)
                    response.raise_for_status()
                    jwks = response.json()
                self._keys = {k["kid"]: PyJWK.from_dict(k, algorithm="RS256") for k in jwks["keys"]}
            except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWKError) as exc:
                log.warning("jwks_refresh_failed", url=self.url, error=str(exc))
            finally:
                self._fetched_at = time.monotonic()


def revoked_access_key(jti: str) -> str:
    """The Redis key auth sets (with the token's remaining lifetime as TTL) when it revokes an access token."""
    return f"auth:revoked-access:{jti}"


RevocationCheck = Callable[[str], Awaitable[bool]]


class TokenVerifier:
    """Checks access tokens: RS256 signature against auth's keys, issuer, audience, expiry, claims, and
    (with `is_revoked`) auth's revocation list.

    A token whose signature and claims were checked is remembered until it expires, so a client's later
    requests cost a dictionary lookup instead of an RSA verification; expiry and revocation are still
    checked on every request.
    """

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: float = 5.0,
        is_revoked: RevocationCheck | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self.is_revoked = is_revoked
        self.cache_size = cache_size
        self._checked: dict[str, tuple[Principal, float]] = {}  # token -> (principal, expires at)

    async def verify(self, token: str) -> Principal:
        """The principal of a valid, unrevoked access token; Unauthorized (with the reason) otherwise."""
        principal = await self.authenticate(token)
        if self.is_revoked is not None and await self.is_revoked(principal.token_id):
            raise Unauthorized("The access token has been revoked.", code="token_revoked")
        return principal

    async def authenticate(self, token: str) -> Principal:
        """Everything `verify` checks except revocation (for callers that check it together with other
        Redis lookups, in one round trip)."""
        remembered = self._checked.get(token)
        if remembered is not None:
            principal, expires_at = remembered
            if time.time() < expires_at + self.leeway_seconds:
                return principal
            del self._checked[token]
            raise Unauthorized("The access token has expired.", code="token_expired")
        principal, expires_at = await self._check(token)
        if len(self._checked) >= self.cache_size:
            self._checked.clear()  # bounded memory; the next requests simply verify again
        self._checked[token] = (principal, expires_at)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The access token is malformed.", code="invalid_token") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized("The access token must be signed with RS256.", code="invalid_token")
        key = await self.keys.key(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("The access token was signed by an unknown key.", code="invalid_token")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired.", code="token_expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The access token is not valid: {exc}", code="invalid_token") from exc
        if claims.get("typ") not in (None, "access"):
            raise Unauthorized("This token is not an access token.", code="invalid_token")
        try:
            principal = Principal(user_id=UUID(claims["sub"]), role=Role(claims["role"]), token_id=claims["jti"])
            expires_at = float(claims["exp"])
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthorized("The access token's claims are not valid.", code="invalid_token") from exc
        return principal, expires_at
