"""Database access: one async engine per service, bound to the service's own schema.

Services use SQLAlchemy Core on an `AsyncConnection` (no ORM session: the services map rows to domain
values themselves, and the ORM's unit-of-work machinery would cost CPU on every statement for nothing).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from matjip_platform.settings import ServiceSettings


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    # search_path pins every unqualified table to the service's schema: a service cannot read another's
    # tables by accident, and the shared messaging tables land in each service's own schema.
    return create_async_engine(
        settings.database_url,
        # A fixed pool sized for the service's concurrency: no connection churn under load (overflow
        # connections were opened and closed every few seconds), and no ping per checkout. A connection
        # broken by a database restart fails its statement once; SQLAlchemy then invalidates the pool.
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_pre_ping=False,
        pool_recycle=settings.db_pool_recycle_seconds,
        connect_args={"server_settings": {"search_path": settings.schema_name}},
    )


class Database:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "Database":
        return cls(create_engine(settings))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: committed when the block ends, rolled back on error.

        Services open transactions through their unit of work (`matjip_platform.unit_of_work`); this is
        for the platform's own bookkeeping (relay, health) and for tests."""
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
