"""Wiring of the notification service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="notification",
    title="Matjip notification",
    description="Real-time push to customers and owners over SSE.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="notification",
)
