"""Wiring of the payment service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="payment",
    title="Matjip payment",
    description="Payment intents, gateway adapter, refunds and reconciliation.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="payment",
)
