"""The services of the platform (from the registry, matjip_contracts.services) and the environment each one
is started with."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass

from matjip_contracts import services as registry
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


# Read from the one registry (matjip_contracts.services); the local stack only adds its port offset.
SERVICES: tuple[ServiceSpec, ...] = tuple(
    ServiceSpec(entry.name, entry.module, entry.port + config.PORT_OFFSET, entry.schema) for entry in registry.SERVICES
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
        "MATJIP_ENVIRONMENT": "local",
    }


# Settings only the local stack gives a service: payment runs against the sandbox payment gateway here
# (and refuses to anywhere but local and dev).
LOCAL_SERVICE_ENV: Mapping[str, Mapping[str, str]] = {"payment": {"MATJIP_PAYMENT_GATEWAY": "sandbox"}}


def jwks_url(auth_port: int) -> str:
    return f"http://{config.HOST}:{auth_port}/api/auth/.well-known/jwks.json"
