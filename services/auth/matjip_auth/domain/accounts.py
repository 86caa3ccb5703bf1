"""Accounts: who may register with which role, how emails compare, what a password must be."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_auth.domain.errors import RoleNotSelfAssignable
from matjip_contracts.events.common import Role

PASSWORD_MIN_LENGTH = 10
# argon2 accepts any length, but hashing megabytes on every login attempt would be a cheap DoS.
PASSWORD_MAX_LENGTH = 256
DISPLAY_NAME_MAX_LENGTH = 50
EMAIL_MAX_LENGTH = 320

SELF_REGISTERED_ROLES = frozenset({Role.CUSTOMER, Role.OWNER})


@dataclass(frozen=True)
class Account:
    user_id: UUID
    email: str
    display_name: str
    role: Role
    password_hash: str
    created_at: datetime


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively (what users expect, though RFC 5321 allows case in the local part)."""
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"must be at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"must be at most {PASSWORD_MAX_LENGTH} characters"
    if not password.strip():
        return "must not be only whitespace"
    return None


def check_self_registration(role: Role) -> None:
    """Customers and owners sign themselves up; an ADMIN is only ever created by the operator."""
    if role not in SELF_REGISTERED_ROLES:
        raise RoleNotSelfAssignable(f"An account with the role {role.value} cannot be self-registered.")
