"""Wiring of the notification service."""

from pathlib import Path

from matjip_notification.api import notifications
from matjip_notification.background import notification_hub
from matjip_notification.components import NotificationComponents, build_components
from matjip_notification.events.handlers import handlers
from matjip_notification.settings import NotificationSettings
from matjip_platform.service import ServiceDefinition

definition: ServiceDefinition[NotificationSettings, NotificationComponents] = ServiceDefinition(
    name="notification",
    title="Matjip notification",
    description="Real-time push to customers and owners over SSE.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="notification",
    settings_class=NotificationSettings,
    components=build_components,
    routers=[notifications.router],
    handlers=handlers,
    background=[notification_hub],
)
