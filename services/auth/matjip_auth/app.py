"""Wiring of the auth service."""

from pathlib import Path

from matjip_auth.api.routes import AUTH_SERVICE, router
from matjip_auth.application import AuthService
from matjip_auth.repository.signing_keys import SigningKeyStore
from matjip_auth.settings import AuthSettings
from matjip_platform.service import Runtime, ServiceDefinition

SIGNING_KEYS = "auth.signing_keys"


def _settings(runtime: Runtime) -> AuthSettings:
    settings = runtime.settings
    assert isinstance(settings, AuthSettings), "the auth service runs with AuthSettings"
    return settings


def signing_keys(runtime: Runtime) -> SigningKeyStore:
    """auth verifies its own tokens with its own keys (it does not fetch its own JWKS over HTTP)."""
    keys = SigningKeyStore(_settings(runtime).auth_key_dir)
    keys.open()
    runtime.extras[SIGNING_KEYS] = keys
    return keys


async def start(runtime: Runtime) -> None:
    settings = _settings(runtime)
    service = AuthService(runtime, settings, runtime.extras[SIGNING_KEYS])
    runtime.extras[AUTH_SERVICE] = service
    admin_password = settings.admin_password.get_secret_value()
    if settings.admin_email and admin_password:
        await service.ensure_admin(email=settings.admin_email, password=admin_password)


definition = ServiceDefinition(
    name="auth",
    title="Matjip auth",
    description="Accounts, password hashing, RS256 access tokens, rotating refresh tokens, JWKS.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="auth",
    routers=[router],
    on_startup=start,
    settings_class=AuthSettings,
    key_set=signing_keys,
)
