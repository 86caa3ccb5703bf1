"""Wiring of the store service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition
from matjip_store.api import inbox, menu, reviews, stores
from matjip_store.events.consumed import handlers

definition = ServiceDefinition(
    name="store",
    title="Matjip store",
    description="Stores, opening hours, menus, stock, reviews and the owner's order inbox.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="store",
    routers=(stores.router, menu.router, inbox.router, reviews.router),
    handlers=handlers,
)
