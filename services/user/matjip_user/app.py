"""Wiring of the user service."""

from pathlib import Path

from matjip_platform.service import ServiceDefinition
from matjip_platform.settings import ServiceSettings
from matjip_user.api.routes import router
from matjip_user.components import UserComponents, build_components
from matjip_user.events.handlers import handlers

definition: ServiceDefinition[ServiceSettings, UserComponents] = ServiceDefinition(
    name="user",
    title="Matjip user",
    description="Customer and owner profiles and delivery addresses.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="user_profile",
    settings_class=ServiceSettings,
    components=build_components,
    routers=[router],
    handlers=handlers,
)
