"""Wiring of the store service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition
from matjip_store.api import inbox, menu, reviews, stores
from matjip_store.components import StoreComponents, build_components
from matjip_store.events.handlers import handlers
from matjip_store.settings import StoreSettings
from matjip_store.tasks.acceptance_deadlines import expire_unanswered_orders

definition: ServiceDefinition[StoreSettings, StoreComponents] = ServiceDefinition(
    name="store",
    title="Matjip store",
    description="Stores, opening hours, menus, stock, reviews and the owner's order inbox.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="store",
    settings_class=StoreSettings,
    components=build_components,
    routers=(stores.router, menu.router, inbox.router, reviews.router),
    handlers=handlers,
    background=[expire_unanswered_orders],
)
