"""auth's use cases: sign up, log in, refresh, log out, who am I, the admin account, key rotation.

Each reads like its steps and leaves the rules to `domain/`, the storage to `repository/`.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import jwt
import structlog
from redis.asyncio import Redis

from matjip_auth.domain.accounts import Account, check_self_registration, normalize_email, password_problem
from matjip_auth.domain.errors import (
    AccountNotFound,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    LoginThrottled,
    RefreshTokenReused,
    RefreshTokenRevoked,
)
from matjip_auth.domain.passwords import Passwords
from matjip_auth.domain.throttling import LoginThrottlePolicy
from matjip_auth.domain.tokens import (
    AccessTokenPolicy,
    RefreshVerdict,
    access_token_claims,
    new_refresh_token,
    refresh_token_digest,
    remaining_lifetime_seconds,
)
from matjip_auth.events.publishing import user_registered
from matjip_auth.metrics import LoginOutcome, auth_logins
from matjip_auth.repository import accounts
from matjip_auth.repository.login_attempts import LoginAttempts
from matjip_auth.repository.refresh_tokens import RefreshTokenStore
from matjip_auth.repository.signing_keys import SigningKeyStore
from matjip_auth.settings import AuthSettings
from matjip_contracts.events.common import Role
from matjip_platform.auth import Principal, revoked_access_key
from matjip_platform.unit_of_work import UnitOfWorkFactory

log = structlog.get_logger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_in: int
    refresh_token: str
    refresh_expires_in: int


class AuthService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        redis: Redis,
        settings: AuthSettings,
        keys: SigningKeyStore,
        *,
        passwords: Passwords | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.redis = redis
        self.keys = keys
        self.clock = clock
        self.passwords = passwords or Passwords()
        self.refresh_tokens = RefreshTokenStore(redis)
        self.attempts = LoginAttempts(redis, settings.login_failure_window_seconds)
        self.throttle = LoginThrottlePolicy(
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_ip=settings.login_max_failures_per_ip,
            window_seconds=settings.login_failure_window_seconds,
        )
        self.access_policy = AccessTokenPolicy(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime=timedelta(seconds=settings.access_token_ttl_seconds),
        )
        self.refresh_lifetime = timedelta(seconds=settings.refresh_token_ttl_seconds)
        self.key_retirement_leeway = timedelta(seconds=settings.key_retirement_leeway_seconds)

    # --- accounts ------------------------------------------------------------------------------------

    async def sign_up(self, *, email: str, password: str, display_name: str, role: Role) -> Account:
        """Create a customer or owner account and publish UserRegistered in the same transaction."""
        check_self_registration(role)
        password_hash = await asyncio.to_thread(self.passwords.hash, password)
        async with self.unit_of_work() as uow:
            account = await accounts.insert_account(
                uow.conn,
                user_id=uuid4(),
                email=normalize_email(email),
                password_hash=password_hash,
                display_name=display_name,
                role=role,
            )
            if account is None:
                raise EmailTaken("An account with this email already exists.")
            await uow.emit(user_registered(account))
        log.info("account_registered", user_id=str(account.user_id), role=account.role.value)
        return account

    async def ensure_admin(self, *, email: str, password: str) -> None:
        """The operator's admin account exists with the configured password (created, or reset)."""
        problem = password_problem(password)
        if problem is not None:
            raise ValueError(f"MATJIP_ADMIN_PASSWORD {problem}")
        email = normalize_email(email)
        async with self.unit_of_work() as uow:
            existing = await accounts.find_by_email(uow.conn, email)
        if existing is not None:
            if existing.role is not Role.ADMIN:
                log.error("admin_email_belongs_to_non_admin", user_id=str(existing.user_id))
            elif not await asyncio.to_thread(self.passwords.verify, existing.password_hash, password):
                new_hash = await asyncio.to_thread(self.passwords.hash, password)
                async with self.unit_of_work() as uow:
                    await accounts.set_password_hash(uow.conn, existing.user_id, new_hash)
                log.info("admin_password_reset", user_id=str(existing.user_id))
            return
        password_hash = await asyncio.to_thread(self.passwords.hash, password)
        async with self.unit_of_work() as uow:
            account = await accounts.insert_account(
                uow.conn,
                user_id=uuid4(),
                email=email,
                password_hash=password_hash,
                display_name="Admin",
                role=Role.ADMIN,
            )
            if account is not None:  # None: another replica created it a moment ago
                await uow.emit(user_registered(account))
                log.info("admin_account_created", user_id=str(account.user_id))

    async def account_of(self, principal: Principal) -> Account:
        async with self.unit_of_work() as uow:
            account = await accounts.find_by_id(uow.conn, principal.user_id)
        if account is None:
            raise AccountNotFound("The account of this token no longer exists.")
        return account

    # --- sessions ------------------------------------------------------------------------------------

    async def log_in(self, *, email: str, password: str, client_ip: str) -> TokenPair:
        email = normalize_email(email)
        account_attempts, ip_attempts = await self.attempts.count(email, client_ip)
        verdict = self.throttle.judge(account_attempts, ip_attempts)
        if not verdict.allowed:
            auth_logins.labels(LoginOutcome.THROTTLED.value).inc()
            log.warning("login_throttled", client_ip=client_ip, retry_after=verdict.retry_after_seconds)
            raise LoginThrottled(
                "Too many failed logins; try again later.",
                retry_after_seconds=verdict.retry_after_seconds,
                headers={"Retry-After": str(verdict.retry_after_seconds)},
            )
        async with self.unit_of_work() as uow:
            account = await accounts.find_by_email(uow.conn, email)
        stored_hash = account.password_hash if account is not None else None
        if account is None or not await asyncio.to_thread(self.passwords.verify, stored_hash, password):
            auth_logins.labels(LoginOutcome.INVALID_CREDENTIALS.value).inc()
            log.info("login_failed", client_ip=client_ip)
            raise InvalidCredentials("The email or password is not correct.")
        await self.attempts.succeeded(email, client_ip)
        if self.passwords.needs_rehash(account.password_hash):
            new_hash = await asyncio.to_thread(self.passwords.hash, password)
            async with self.unit_of_work() as uow:
                await accounts.set_password_hash(uow.conn, account.user_id, new_hash)
        auth_logins.labels(LoginOutcome.SUCCESS.value).inc()
        log.info("login_succeeded", user_id=str(account.user_id))
        return await self._start_session(account)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate a refresh token into a new pair; reuse of a rotated token revokes its family."""
        now = self.clock()
        new_token = new_refresh_token()
        verdict, record = await self.refresh_tokens.rotate(
            refresh_token_digest(refresh_token),
            refresh_token_digest(new_token),
            now=now,
            expires_at=now + self.refresh_lifetime,
        )
        if verdict is RefreshVerdict.REUSED:
            assert record is not None
            log.warning("refresh_token_reuse_revoked_family", user_id=str(record.user_id), family=record.family_id)
            raise RefreshTokenReused("This refresh token was already used; the session has been revoked.")
        if verdict is RefreshVerdict.REVOKED:
            raise RefreshTokenRevoked("This session has been revoked; log in again.")
        if verdict is not RefreshVerdict.ROTATE or record is None:
            raise InvalidRefreshToken("The refresh token is not valid or has expired.")
        async with self.unit_of_work() as uow:
            account = await accounts.find_by_id(uow.conn, record.user_id)
        if account is None:
            await self.refresh_tokens.revoke_family(record.family_id, remember_seconds=self._refresh_seconds)
            raise InvalidRefreshToken("The account of this session no longer exists.")
        access_token, access_expires_in = self._access_token(account, now)
        return TokenPair(access_token, access_expires_in, new_token, self._refresh_seconds)

    async def log_out(self, principal: Principal, access_token: str, refresh_token: str | None) -> None:
        """Revoke the presented access token (every service's verifier checks the revocation key) and,
        when given, the caller's refresh-token family."""
        await self._revoke_access_token(principal, access_token)
        if refresh_token:
            record = await self.refresh_tokens.find(refresh_token_digest(refresh_token))
            # Someone else's token is ignored: a caller acts on their own sessions only.
            if record is not None and record.user_id == principal.user_id:
                await self.refresh_tokens.revoke_family(record.family_id, remember_seconds=self._refresh_seconds)
        log.info("logged_out", user_id=str(principal.user_id))

    async def log_out_everywhere(self, principal: Principal, access_token: str) -> int:
        """Revoke the presented access token and every refresh-token family (every device's session) of the
        caller; how many sessions ended. Other devices' access tokens cannot be refreshed any more and
        lapse within their short lifetime."""
        await self._revoke_access_token(principal, access_token)
        ended = await self.refresh_tokens.revoke_user_families(
            principal.user_id, remember_seconds=self._refresh_seconds
        )
        log.info("logged_out_everywhere", user_id=str(principal.user_id), sessions=ended)
        return ended

    async def _revoke_access_token(self, principal: Principal, access_token: str) -> None:
        now = self.clock()
        expires_at = int(jwt.decode(access_token, options={"verify_signature": False})["exp"])
        await self.redis.set(
            revoked_access_key(principal.token_id), "1", ex=remaining_lifetime_seconds(expires_at, now)
        )

    async def _start_session(self, account: Account) -> TokenPair:
        now = self.clock()
        refresh_token = new_refresh_token()
        await self.refresh_tokens.start_family(
            account.user_id, refresh_token_digest(refresh_token), now + self.refresh_lifetime
        )
        access_token, access_expires_in = self._access_token(account, now)
        return TokenPair(access_token, access_expires_in, refresh_token, self._refresh_seconds)

    def _access_token(self, account: Account, now: datetime) -> tuple[str, int]:
        kid, private_key = self.keys.signer()
        claims = access_token_claims(self.access_policy, account.user_id, account.role, now=now)
        token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})
        return token, int(self.access_policy.lifetime.total_seconds())

    @property
    def _refresh_seconds(self) -> int:
        return int(self.refresh_lifetime.total_seconds())

    # --- signing keys --------------------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    async def rotate_signing_key(self) -> tuple[str, str]:
        return await asyncio.to_thread(
            self.keys.rotate, token_lifetime=self.access_policy.lifetime, leeway=self.key_retirement_leeway
        )
