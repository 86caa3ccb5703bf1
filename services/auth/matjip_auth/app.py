"""Wiring of the auth service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="auth",
    title="Matjip auth",
    description="Accounts, password hashing, RS256 access tokens, rotating refresh tokens, JWKS.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="auth",
)
