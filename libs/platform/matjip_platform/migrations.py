"""Alembic wiring shared by every service: each service's migrations run in its own schema."""

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from matjip_platform.messaging_tables import MESSAGING_METADATA
from matjip_platform.settings import ServiceSettings


def alembic_config(settings: ServiceSettings, migrations_dir: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["settings"] = settings
    return config


def upgrade_to_head(settings: ServiceSettings, migrations_dir: Path) -> None:
    """Apply every pending migration (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(settings, migrations_dir), "head")


def run_migrations(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    settings: ServiceSettings = context.config.attributes["settings"]
    schema = settings.schema_name

    def migrate(connection: Connection) -> None:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.execute(text(f'SET search_path TO "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.begin() as connection:
                # Two replicas starting together must not both migrate: serialise on an advisory lock.
                await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    asyncio.run(main())


def create_messaging_tables(connection: Connection) -> None:
    """Used by each service's first migration: its outbox and inbox tables."""
    MESSAGING_METADATA.create_all(connection)
