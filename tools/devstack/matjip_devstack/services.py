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


def _here(entry: registry.ServiceEntry | registry.LocalProcessEntry) -> ServiceSpec:
    """A registry entry as this stack runs it: the registry's port plus the stack's port offset."""
    return ServiceSpec(entry.name, entry.module, entry.port + config.PORT_OFFSET, entry.schema)


# Read from the one registry (matjip_contracts.services).
SERVICES: tuple[ServiceSpec, ...] = tuple(_here(entry) for entry in registry.SERVICES)
# What the local stack runs beside the services and no cluster ever does: the sandbox payment gateway.
LOCAL_PROCESSES: tuple[ServiceSpec, ...] = tuple(_here(entry) for entry in registry.LOCAL_ONLY)
# Everything `./matjip up` starts, migrates and routes through the edge.
PROCESSES: tuple[ServiceSpec, ...] = SERVICES + LOCAL_PROCESSES
BY_NAME: Mapping[str, ServiceSpec] = {s.name: s for s in PROCESSES}


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


def local_process_env(name: str, ports: Mapping[str, int], sandbox_pg_key: str) -> dict[str, str]:
    """Settings only the local stack gives: payment pays through the sandbox PG (its one Toss-style adapter
    at the sandbox's URL), and both hold the same merchant key, made at start."""
    if name == "payment":
        sandbox = registry.SANDBOX_PG
        return {
            "MATJIP_PAYMENT_GATEWAY": "sandbox",
            "MATJIP_PAYMENT_GATEWAY_BASE_URL": f"http://{config.HOST}:{ports[sandbox.name]}{sandbox.base_path}",
            "MATJIP_PAYMENT_GATEWAY_SECRET_KEY": sandbox_pg_key,
        }
    if name == registry.SANDBOX_PG.name:
        return {"MATJIP_SANDBOX_PG_SECRET_KEY": sandbox_pg_key}
    return {}


def jwks_url(auth_port: int) -> str:
    return f"http://{config.HOST}:{auth_port}/api/auth/.well-known/jwks.json"
