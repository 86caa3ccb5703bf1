"""Wiring of the user service."""

from pathlib import Path

from matjip_platform.service import Runtime, ServiceDefinition
from matjip_user.api.routes import USER_PROFILES, router
from matjip_user.application import UserProfiles
from matjip_user.events.handlers import handlers


async def start(runtime: Runtime) -> None:
    runtime.extras[USER_PROFILES] = UserProfiles(runtime.db)


definition = ServiceDefinition(
    name="user",
    title="Matjip user",
    description="Customer and owner profiles and delivery addresses.",
    migrations_dir=Path(__file__).resolve().parent.parent / "migrations",
    schema="user_profile",
    routers=[router],
    handlers=handlers,
    on_startup=start,
)
