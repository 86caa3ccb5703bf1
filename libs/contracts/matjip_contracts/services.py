"""The one registry of Matjip's services: name, port, schema, profile, topics and consumer group.

Everything else reads it or is checked against it (tests/registry): the local stack's processes
(matjip_devstack.services), the Helm values (a block per service, the topics Job's partitions, the
NetworkPolicies' auth port), the Argo CD ApplicationSets, the release workflow, docs/conventions.md
(its tables are generated: `python -m matjip_contracts.services --markdown`) and each service's own
definition (its schema and the topics its handlers consume).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Final, Literal

from matjip_contracts import topics

Profile = Literal["http", "consumer"]


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    port: int  # HTTP port (MATJIP_HTTP_PORT); the local stack adds its port offset
    schema: str  # its own PostgreSQL schema (MATJIP_DB_SCHEMA)
    # What drives its load, and so its canary and autoscaler in the chart: client requests, or Kafka.
    profile: Profile
    consumes: tuple[str, ...]  # contract topics its handlers read
    publishes: tuple[str, ...]  # contract topics its outbox writes

    @property
    def module(self) -> str:
        return f"matjip_{self.name}"

    def consumer_group(self, topic_prefix: str = "") -> str:
        """The Kafka consumer group; the topic prefix keeps test runs out of each other's groups."""
        return f"{topic_prefix}matjip-{self.name}"


SERVICES: Final[tuple[ServiceEntry, ...]] = (
    ServiceEntry("auth", 8101, "auth", "http", consumes=(), publishes=(topics.AUTH_EVENTS,)),
    ServiceEntry("user", 8102, "user_profile", "http", consumes=(topics.AUTH_EVENTS,), publishes=()),
    ServiceEntry(
        "store",
        8103,
        "store",
        "http",
        consumes=(topics.ORDER_EVENTS, topics.STORE_COMMANDS),
        publishes=(topics.STORE_EVENTS,),
    ),
    ServiceEntry(
        "order",
        8104,
        "ordering",
        "http",
        consumes=(topics.PAYMENT_EVENTS, topics.STORE_EVENTS),
        publishes=(topics.ORDER_EVENTS, topics.STORE_COMMANDS, topics.PAYMENT_COMMANDS),
    ),
    ServiceEntry(
        "payment",
        8105,
        "payment",
        "consumer",
        consumes=(topics.ORDER_EVENTS, topics.PAYMENT_COMMANDS),
        publishes=(topics.PAYMENT_EVENTS,),
    ),
    ServiceEntry(
        "notification",
        8106,
        "notification",
        "consumer",
        consumes=(topics.ORDER_EVENTS, topics.STORE_EVENTS),
        publishes=(),
    ),
    ServiceEntry("ai", 8107, "ai", "http", consumes=(topics.ORDER_EVENTS, topics.STORE_EVENTS), publishes=()),
)

BY_NAME: Final = {s.name: s for s in SERVICES}


@dataclass(frozen=True)
class LocalProcessEntry:
    """A process only the local stack and the tests run: never an image, a chart block or a release."""

    name: str
    module: str  # `python -m <module> migrate|serve`, like a service
    port: int  # the local stack adds its port offset
    schema: str  # its own schema in the local database
    role: str  # what it is, for the conventions' table

    @property
    def base_path(self) -> str:
        """Where it serves its API, as every service does (so the edge routes it by prefix)."""
        return f"/api/{self.name}"


# The sandbox payment gateway (tools/sandbox-pg): a Toss-style PG that payment's adapter calls in the
# local stack and in tests. It lives outside services/ so that no service image can contain it.
SANDBOX_PG: Final = LocalProcessEntry(
    "sandbox-pg", "matjip_sandbox_pg", 8190, "sandbox_pg", "local only: the sandbox payment gateway"
)
LOCAL_ONLY: Final[tuple[LocalProcessEntry, ...]] = (SANDBOX_PG,)


def service(name: str) -> ServiceEntry:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown service {name!r}; known: {', '.join(BY_NAME)}") from None


def consumers_of(topic: str) -> tuple[ServiceEntry, ...]:
    return tuple(s for s in SERVICES if topic in s.consumes)


def markdown_process_table() -> str:
    """The table of docs/conventions.md's 'Processes and ports' section."""
    rows = [
        "| process | python module | HTTP port | schema | profile |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [f"| {s.name} | `{s.module}` | {s.port} | `{s.schema}` | {s.profile} |" for s in SERVICES]
    rows += [f"| {p.name} | `{p.module}` | {p.port} | `{p.schema}` | {p.role} |" for p in LOCAL_ONLY]
    return "\n".join(rows)


def markdown_topic_table() -> str:
    """The table of docs/conventions.md's Kafka section: who publishes and who consumes each topic."""
    rows = ["| topic | published by | consumed by (group) |", "| --- | --- | --- |"]
    for topic in topics.ALL_TOPICS:
        publishers = ", ".join(s.name for s in SERVICES if topic in s.publishes) or "-"
        consumers = ", ".join(f"{s.name} (`{s.consumer_group()}`)" for s in consumers_of(topic)) or "-"
        rows.append(f"| `{topic}` | {publishers} | {consumers} |")
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_process_table() + "\n\n" + markdown_topic_table())
    else:
        print("usage: python -m matjip_contracts.services --markdown", file=sys.stderr)
        sys.exit(2)
