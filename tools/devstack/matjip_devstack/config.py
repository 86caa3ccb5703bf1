"""Ports and URLs of the local stack, as docs/conventions.md fixes them."""

from __future__ import annotations

import os

# Only for the devstack's own tests, which run a second, isolated stack beside the real one.
PORT_OFFSET = int(os.environ.get("MATJIP_DEVSTACK_PORT_OFFSET", "0"))


def offset_port(base: int) -> int:
    """`base` moved by the port offset; past 65535 it wraps down by 40,000 (below the kernel's ephemeral
    range), so an offset of 7000 still gives Kafka (59092) a port."""
    port = base + PORT_OFFSET
    return port if port <= 65535 else port - 40000


HOST = "127.0.0.1"
POSTGRES_PORT = offset_port(55432)
REDIS_PORT = offset_port(56379)
KAFKA_PORT = offset_port(59092)
KAFKA_CONTROLLER_PORT = offset_port(59093)
PROMETHEUS_PORT = offset_port(59090)
ZIPKIN_PORT = offset_port(59411)
EDGE_PORT = offset_port(8080)

# Said here, not as a Java stack trace from Kafka's storage tool halfway through `./matjip up`.
_HIGHEST = max(POSTGRES_PORT, REDIS_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT, PROMETHEUS_PORT, ZIPKIN_PORT)
if _HIGHEST > 65535:
    raise ValueError(
        f"MATJIP_DEVSTACK_PORT_OFFSET={PORT_OFFSET} puts the local infrastructure on ports up to {_HIGHEST}; "
        f"the largest offset that fits is {PORT_OFFSET + 65535 - _HIGHEST}"
    )

DATABASE = "matjip"
DB_USER = "matjip"

DATABASE_URL = f"postgresql+asyncpg://{DB_USER}@{HOST}:{POSTGRES_PORT}/{DATABASE}"
KAFKA_BOOTSTRAP = f"{HOST}:{KAFKA_PORT}"
REDIS_URL = f"redis://{HOST}:{REDIS_PORT}/0"

ADMIN_EMAIL = "admin@matjip.local"

# Fallback when matjip_contracts is not importable yet; the contract module is the source of truth.
CONVENTION_TOPICS: tuple[str, ...] = (
    "auth.events",
    "store.events",
    "store.commands",
    "order.events",
    "payment.commands",
    "payment.events",
    "user.events",
)
# Partitions of every topic: the most consumers one service's group can keep busy, so the most replicas
# `./matjip up --replicas` allows. 6 spreads evenly over 1, 2, 3 and 6 replicas; each partition costs
# the single broker a little memory and fetch work, so not more.
TOPIC_PARTITIONS = 6
