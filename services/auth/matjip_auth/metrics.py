"""auth's own metrics (docs/conventions.md)."""

from enum import StrEnum

from prometheus_client import Counter


class LoginOutcome(StrEnum):
    SUCCESS = "success"
    INVALID_CREDENTIALS = "invalid_credentials"
    THROTTLED = "throttled"


# Exported as auth_logins_total (prometheus_client adds the suffix to counters).
auth_logins = Counter("auth_logins", "Login attempts, by outcome", ["outcome"])
