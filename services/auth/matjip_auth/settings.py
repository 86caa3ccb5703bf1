"""auth's settings (MATJIP_* environment variables) on top of every service's."""

from pydantic import Field, SecretStr

from matjip_platform.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    access_token_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    # Clocks of the verifying services may run ahead: a retired key stays published this much longer.
    key_retirement_leeway_seconds: int = Field(default=60, ge=0)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    # The one ADMIN account, created (or its password reset) at start when both are set.
    admin_email: str = ""
    admin_password: SecretStr = SecretStr("")
