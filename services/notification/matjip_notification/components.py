"""The notification service's collaborators, built once the runtime is up."""

from collections.abc import Callable
from dataclasses import dataclass

from matjip_notification.hub import NotificationHub
from matjip_notification.settings import NotificationSettings
from matjip_platform.db import Database
from matjip_platform.service import Runtime

EXTRAS_KEY = "notification"


@dataclass
class NotificationComponents:
    settings: NotificationSettings
    db: Database
    hub: NotificationHub


def build_components(runtime: Runtime) -> NotificationComponents:
    settings = runtime.settings
    assert isinstance(settings, NotificationSettings), "the notification definition uses NotificationSettings"
    return NotificationComponents(settings, runtime.db, NotificationHub(runtime.redis))


def components_of(runtime: Runtime) -> NotificationComponents:
    components: NotificationComponents = runtime.extras[EXTRAS_KEY]
    return components


class ComponentsSlot:
    """Where the Kafka handlers find the components: filled by on_startup, before consuming starts."""

    def __init__(self) -> None:
        self._components: NotificationComponents | None = None

    def fill(self, components: NotificationComponents) -> None:
        self._components = components

    def __call__(self) -> NotificationComponents:
        assert self._components is not None, "notification components are built in on_startup"
        return self._components


ComponentsProvider = Callable[[], NotificationComponents]
