"""Wiring of the store service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="store",
    title="Matjip store",
    description="Stores, opening hours, menus, stock, reviews and the owner's order inbox.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="store",
)
