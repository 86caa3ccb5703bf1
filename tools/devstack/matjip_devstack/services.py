"""The services of the platform and the environment each one is started with (docs/conventions.md)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass

from matjip_devstack import config


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int
    schema: str

    def installed(self) -> bool:
        """Whether `python -m <module>` can run here (a service may not be written yet)."""
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("auth", "matjip_auth", 8101 + config.PORT_OFFSET, "auth"),
    ServiceSpec("user", "matjip_user", 8102 + config.PORT_OFFSET, "user_profile"),
    ServiceSpec("store", "matjip_store", 8103 + config.PORT_OFFSET, "store"),
    ServiceSpec("order", "matjip_order", 8104 + config.PORT_OFFSET, "ordering"),
    ServiceSpec("payment", "matjip_payment", 8105 + config.PORT_OFFSET, "payment"),
    ServiceSpec("notification", "matjip_notification", 8106 + config.PORT_OFFSET, "notification"),
    ServiceSpec("ai", "matjip_ai", 8107 + config.PORT_OFFSET, "ai"),
)
BY_NAME: Mapping[str, ServiceSpec] = {s.name: s for s in SERVICES}


def spec(name: str) -> ServiceSpec:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown service {name!r}; known: {', '.join(BY_NAME)}") from None


def base_env() -> dict[str, str]:
    """The MATJIP_* variables shared by every service of the local stack."""
    return {
        "MATJIP_DATABASE_URL": config.DATABASE_URL,
        "MATJIP_KAFKA_BOOTSTRAP": config.KAFKA_BOOTSTRAP,
        "MATJIP_KAFKA_TOPIC_PREFIX": "",
        "MATJIP_REDIS_URL": config.REDIS_URL,
        "MATJIP_HTTP_HOST": config.HOST,
        "MATJIP_JWKS_URL": jwks_url(BY_NAME["auth"].port),
        "MATJIP_OTLP_ENDPOINT": "",
        # `./matjip up` points this at its Zipkin; empty elsewhere so tests export no traces.
        "MATJIP_ZIPKIN_ENDPOINT": "",
        "MATJIP_LOG_LEVEL": "INFO",
    }


def jwks_url(auth_port: int) -> str:
    return f"http://{config.HOST}:{auth_port}/api/auth/.well-known/jwks.json"
