"""The ways auth says no, each with a stable code (rendered as problem+json by the platform)."""

from matjip_platform.errors import Conflict, DomainError, Forbidden, NotFound, TooManyRequests, Unauthorized


class EmailTaken(Conflict):
    code = "email_taken"


class RoleNotSelfAssignable(Forbidden):
    code = "role_not_self_assignable"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class LoginThrottled(TooManyRequests):
    code = "login_throttled"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"


class RefreshTokenReused(Unauthorized):
    """An already-rotated refresh token came back: someone else may hold the family, so it is revoked."""

    code = "refresh_token_reused"


class RefreshTokenRevoked(Unauthorized):
    code = "refresh_token_revoked"


class AccountNotFound(NotFound):
    code = "account_not_found"


__all__ = [
    "AccountNotFound",
    "DomainError",
    "EmailTaken",
    "InvalidCredentials",
    "InvalidRefreshToken",
    "LoginThrottled",
    "RefreshTokenReused",
    "RefreshTokenRevoked",
    "RoleNotSelfAssignable",
]
