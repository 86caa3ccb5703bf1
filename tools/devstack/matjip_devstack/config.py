"""Ports and URLs of the local stack, as docs/conventions.md fixes them."""

from __future__ import annotations

import os

# Only for the devstack's own tests, which run a second, isolated stack beside the real one.
PORT_OFFSET = int(os.environ.get("MATJIP_DEVSTACK_PORT_OFFSET", "0"))

HOST = "127.0.0.1"
POSTGRES_PORT = 55432 + PORT_OFFSET
REDIS_PORT = 56379 + PORT_OFFSET
KAFKA_PORT = 59092 + PORT_OFFSET
KAFKA_CONTROLLER_PORT = 59093 + PORT_OFFSET
PROMETHEUS_PORT = 59090 + PORT_OFFSET
ZIPKIN_PORT = 59411 + PORT_OFFSET
EDGE_PORT = 8080 + PORT_OFFSET

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
TOPIC_PARTITIONS = 3
