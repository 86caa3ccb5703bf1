"""Wiring of the order service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="order",
    title="Matjip order",
    description="Cart, checkout, the order aggregate and the order saga.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="ordering",
)
