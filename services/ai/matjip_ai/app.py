"""Wiring of the ai service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition

definition = ServiceDefinition(
    name="ai",
    title="Matjip ai",
    description="Review-based menu Q&A and dish recommendations.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="ai",
)
