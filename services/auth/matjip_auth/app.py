"""Wiring of the auth service."""

from pathlib import Path

from matjip_auth.api.routes import router
from matjip_auth.components import AuthComponents, build_components
from matjip_auth.settings import AuthSettings
from matjip_platform.service import ServiceDefinition

definition: ServiceDefinition[AuthSettings, AuthComponents] = ServiceDefinition(
    name="auth",
    title="Matjip auth",
    description="Accounts, password hashing, RS256 access tokens, rotating refresh tokens, JWKS.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="auth",
    settings_class=AuthSettings,
    components=build_components,
    routers=[router],
    key_set=lambda components: components.keys,
)
