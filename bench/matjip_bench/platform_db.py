"""What the platform's database says: the order service's orders (placement to ACCEPTED) and
PostgreSQL's own count of committed transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from matjip_devstack.services import spec

ORDER_SCHEMA = spec("order").schema
IN_FLIGHT = ("PLACED", "STOCK_RESERVED", "AWAITING_STORE")
"""Statuses between checkout and the store's answer (ACCEPTED, or CANCELLED on the way)."""


@dataclass(frozen=True)
class OrderFigures:
    statuses: dict[str, int]
    to_accepted_ms: list[float]
    """Placement to ACCEPTED of every accepted order, sorted."""

    @property
    def placed(self) -> int:
        return sum(self.statuses.values())

    @property
    def accepted(self) -> int:
        return self.statuses.get("ACCEPTED", 0)

    @property
    def in_flight(self) -> int:
        return sum(self.statuses.get(s, 0) for s in IN_FLIGHT)


class PlatformDatabase:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None

    async def start(self) -> None:
        self._conn = await asyncpg.connect(self.dsn)

    async def stop(self) -> None:
        if self._conn is not None:
            await self._conn.close()

    @property
    def conn(self) -> asyncpg.Connection:
        if self._conn is None:
            raise RuntimeError("PlatformDatabase.start() first")
        return self._conn

    async def now(self) -> datetime:
        """The database's clock: order timestamps are compared with it, not with ours."""
        value: datetime = await self.conn.fetchval("SELECT clock_timestamp()")
        return value

    async def xact_commit(self) -> int:
        value: int = await self.conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return value

    async def orders(self, store_id: str, since: datetime, until: datetime) -> OrderFigures:
        rows = await self.conn.fetch(
            f"SELECT status, count(*) AS n FROM {ORDER_SCHEMA}.orders"
            " WHERE store_id = $1 AND placed_at >= $2 AND placed_at < $3 GROUP BY status",
            UUID(store_id), since, until,
        )
        latencies = await self.conn.fetch(
            f"SELECT extract(epoch FROM status_changed_at - placed_at) * 1000 AS ms FROM {ORDER_SCHEMA}.orders"
            " WHERE store_id = $1 AND placed_at >= $2 AND placed_at < $3 AND status = 'ACCEPTED' ORDER BY 1",
            UUID(store_id), since, until,
        )
        return OrderFigures({r["status"]: int(r["n"]) for r in rows}, [float(r["ms"]) for r in latencies])

    async def in_flight(self, store_id: str) -> int:
        value: int = await self.conn.fetchval(
            f"SELECT count(*) FROM {ORDER_SCHEMA}.orders WHERE store_id = $1 AND status = ANY($2::text[])",
            UUID(store_id), list(IN_FLIGHT),
        )
        return value
