"""Wiring of the notification service."""

from pathlib import Path

from matjip_notification.api import notifications
from matjip_notification.background import notification_hub
from matjip_notification.components import EXTRAS_KEY, ComponentsSlot, build_components
from matjip_notification.events.handlers import build_handlers
from matjip_notification.settings import NotificationSettings
from matjip_platform.service import Runtime, ServiceDefinition


def create_definition() -> ServiceDefinition:
    """A fresh definition (each has its own slot for the components its handlers use)."""
    slot = ComponentsSlot()

    async def on_startup(runtime: Runtime) -> None:
        components = build_components(runtime)
        runtime.extras[EXTRAS_KEY] = components
        slot.fill(components)

    return ServiceDefinition(
        name="notification",
        title="Matjip notification",
        description="Real-time push to customers and owners over SSE.",
        migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
        schema="notification",
        routers=[notifications.router],
        handlers=build_handlers(slot),
        background=[notification_hub],
        on_startup=on_startup,
        settings_class=NotificationSettings,
    )


definition = create_definition()
