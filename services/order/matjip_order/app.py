"""Wiring of the order service: its API, what it consumes, and its store-acceptance timeout task."""

from pathlib import Path

from matjip_order.api.routes import router
from matjip_order.components import OrderComponents, build_components
from matjip_order.events.handlers import handlers
from matjip_order.settings import OrderSettings
from matjip_order.tasks.acceptance_timeouts import store_acceptance_timeouts
from matjip_platform.service import ServiceDefinition

definition: ServiceDefinition[OrderSettings, OrderComponents] = ServiceDefinition(
    name="order",
    title="Matjip order",
    description="Cart, checkout, the order aggregate and the order saga.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="ordering",
    settings_class=OrderSettings,
    components=build_components,
    routers=[router],
    handlers=handlers,
    background=[store_acceptance_timeouts],
)
