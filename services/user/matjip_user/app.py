"""Wiring of the user service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="user",
    title="Matjip user",
    description="Customer and owner profiles and delivery addresses.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="user_profile",
)
