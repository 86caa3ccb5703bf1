"""What must hold after faults under load, read from the data (PostgreSQL and the Kafka topics), never from
logs: no order lost or duplicated, one charge per paid order, every refund matching a cancellation, stock
taken once per accepted line, each status announced once per order and recorded once by notification.

One store per fault (matjip_bench.chaos): everything here is counted for that store's orders.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

import asyncpg

from matjip_contracts.services import SANDBOX_PG
from matjip_devstack.infra import Infra

# Where an order may rest once the saga is done with it: the owner's hands (an accepted order waits for
# them to cook) or a final state.
SETTLED = frozenset({"ACCEPTED", "PREPARING", "READY", "PICKED_UP", "DELIVERED", "COMPLETED", "CANCELLED"})
STATUS_CHANGED = "order.status-changed"
NOTIFICATION_SCHEMA = "notification"


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    status: str
    payment_status: str
    units: int
    """Units of the phase's dish the order asked for."""
    idempotency_key: str | None


@dataclass(frozen=True)
class Tally:
    """A fault's orders as the data tells them. The fields after `refunds` must all be 0."""

    placed: int
    accepted: int
    cancelled: int
    waiting: int
    """Orders not settled (the saga still owes them a step) when the tally was taken."""
    charges: int
    refunds: int
    lost: int
    """Orders answered 201 that are not in the database."""
    duplicated: int
    """Orders beyond one per Idempotency-Key sent, or with a key that was never sent."""
    double_charged: int
    """Orders with more than one charge at the gateway."""
    paid_unsettled: int
    """Cancelled orders whose charge was not refunded, accepted ones without a standing charge."""
    refunds_without_cancellation: int
    stock_mismatch: int
    """|units taken from stock - units of the orders that hold stock|."""
    announced_twice: int
    """(order, status) pairs announced by more than one OrderStatusChanged."""
    unannounced: int
    """Orders whose present status was never announced."""
    not_notified: int
    """Status announcements notification did not record exactly once."""

    def violations(self) -> list[str]:
        """`field=value` for every invariant broken (empty when everything holds)."""
        names = [f.name for f in fields(self)]
        must_be_zero = ["waiting", *names[names.index("lost"):]]
        return [f"{name}={getattr(self, name)}" for name in must_be_zero if getattr(self, name)]


async def fetch_orders(conn: asyncpg.Connection, store_id: str, dish_id: str) -> list[OrderRow]:
    rows = await conn.fetch(
        "SELECT o.order_id, o.status, o.payment_status, o.lines, c.idempotency_key"
        " FROM ordering.orders o LEFT JOIN ordering.checkout_requests c ON c.order_id = o.order_id"
        " WHERE o.store_id = $1",
        UUID(store_id),
    )
    found = []
    for row in rows:
        lines = row["lines"]
        lines = json.loads(lines) if isinstance(lines, str) else lines
        units = sum(int(line["quantity"]) for line in lines if str(line["menu_item_id"]) == dish_id)
        found.append(OrderRow(str(row["order_id"]), row["status"], row["payment_status"], units,
                              row["idempotency_key"]))
    return found


async def fetch_charges(conn: asyncpg.Connection, order_ids: Collection[str]) -> dict[str, list[str]]:
    """The gateway's charges per order (the sandbox PG's own table, in its schema: what the customer's card
    saw)."""
    rows = await conn.fetch(
        f'SELECT order_id, status FROM "{SANDBOX_PG.schema}".charges WHERE order_id = ANY($1::text[])',
        list(order_ids),
    )
    charges: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        charges[row["order_id"]].append(row["status"])
    return charges


def unsettled(orders: Iterable[OrderRow], charges: dict[str, list[str]]) -> int:
    """Orders the saga still owes a step: not in a resting state, or cancelled with a charge standing."""
    return sum(
        1 for o in orders
        if o.status not in SETTLED or (o.status == "CANCELLED" and "DONE" in charges.get(o.order_id, []))
    )


@dataclass(frozen=True)
class Announcements:
    """OrderStatusChanged events read from order.events: order id -> status -> distinct event ids."""

    by_order: dict[str, dict[str, set[str]]]

    @classmethod
    def of(cls, records: Iterable[tuple[str, str, str]]) -> Announcements:
        """From (order id, status, event id) triples."""
        by_order: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for order_id, status, event_id in records:
            by_order[order_id][status].add(event_id)
        return cls({k: dict(v) for k, v in by_order.items()})


async def read_announcements(bootstrap: str, topic: str) -> Announcements:
    from matjip_platform.envelope import Envelope
    from matjip_platform.topic_reader import read_topic_to_end

    triples = []
    for record in await read_topic_to_end(bootstrap, topic):
        envelope = Envelope.from_kafka(record.key, record.value, record.headers)
        if envelope.event_type == STATUS_CHANGED:
            triples.append(((record.key or b"").decode(), str(envelope.payload["status"]), str(envelope.event_id)))
    return Announcements.of(triples)


async def notified_counts(conn: asyncpg.Connection, event_ids: Collection[str]) -> dict[str, int]:
    rows = await conn.fetch(
        f"SELECT event_id, count(*) AS n FROM {NOTIFICATION_SCHEMA}.processed_events"
        " WHERE event_id = ANY($1::uuid[]) GROUP BY event_id",
        [UUID(e) for e in event_ids],
    )
    return {str(r["event_id"]): int(r["n"]) for r in rows}


def tally(
    orders: list[OrderRow],
    charges: dict[str, list[str]],
    *,
    answered_201: Collection[str],
    keys_sent: Collection[str],
    initial_stock: int,
    stock_now: int,
    announcements: Announcements,
    notified: dict[str, int],
) -> Tally:
    """The invariants over one store's orders (pure: the I/O is done by the caller)."""
    ids = {o.order_id for o in orders}
    keys = [o.idempotency_key for o in orders]
    sent = set(keys_sent)
    distinct_sent_keys = {k for k in keys if k is not None and k in sent}
    cancelled = [o for o in orders if o.status == "CANCELLED"]
    accepted = [o for o in orders if o.status in SETTLED and o.status != "CANCELLED"]
    double_charged = sum(1 for o in orders if len(charges.get(o.order_id, [])) > 1)
    paid_unsettled = sum(1 for o in cancelled if "DONE" in charges.get(o.order_id, []))
    paid_unsettled += sum(1 for o in accepted if charges.get(o.order_id, []) != ["DONE"])
    refunds_without_cancellation = sum(
        1 for o in orders if o.status != "CANCELLED" and "CANCELED" in charges.get(o.order_id, [])
    )
    holding = sum(o.units for o in orders if o.status != "CANCELLED")
    announced_twice = unannounced = 0
    status_events: list[str] = []
    for o in orders:
        statuses = announcements.by_order.get(o.order_id, {})
        announced_twice += sum(1 for events in statuses.values() if len(events) > 1)
        if o.status != "PLACED" and o.status not in statuses:
            unannounced += 1
        status_events += [e for events in statuses.values() for e in events]
    not_notified = sum(1 for e in status_events if notified.get(e, 0) != 1)
    return Tally(
        placed=len(orders),
        accepted=len(accepted),
        cancelled=len(cancelled),
        waiting=unsettled(orders, charges),
        charges=sum(len(v) for k, v in charges.items() if k in ids),
        refunds=sum(v.count("CANCELED") for k, v in charges.items() if k in ids),
        lost=len(set(answered_201) - ids),
        duplicated=len(orders) - len(distinct_sent_keys),
        double_charged=double_charged,
        paid_unsettled=paid_unsettled,
        refunds_without_cancellation=refunds_without_cancellation,
        stock_mismatch=abs((initial_stock - stock_now) - holding),
        announced_twice=announced_twice,
        unannounced=unannounced,
        not_notified=not_notified,
    )


async def connect(database_url: str) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(Infra.dsn(database_url))
    return conn


async def stock_of(conn: asyncpg.Connection, dish_id: str) -> int:
    value: Any = await conn.fetchval("SELECT stock_quantity FROM store.menu_items WHERE id = $1", UUID(dish_id))
    return int(value)
