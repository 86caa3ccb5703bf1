"""Alembic wiring shared by every service: each service's migrations run in its own schema.

Migrations are expand/contract, so that rolling back an image never needs rolling back its schema: a
migration that keeps the previous release's code working (adds a table, a nullable column, an index)
declares `backward_compatible = True`; one that does not (drops or renames what older code reads) says
False or nothing. Each applied revision is recorded with that flag in `schema_lineage`, which lets an
older image - one that has never seen the newer migration files - tell a newer schema it can run on
(start with a warning) from one it cannot (refuse).
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
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


class SchemaIncompatible(RuntimeError):
    """The database's schema is one this image cannot run on."""


@dataclass(frozen=True)
class SchemaState:
    database: str | None  # the schema's revision (None: never migrated)
    image_head: str  # the newest revision this image knows
    relation: str  # current, behind, ahead-compatible

    @property
    def warning(self) -> str | None:
        if self.relation == "ahead-compatible":
            return (
                f"the schema is at {self.database}, newer than this image's {self.image_head}, and every "
                "migration since is backward compatible: running on it"
            )
        return None


def _script(migrations_dir: Path, settings: ServiceSettings) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(settings, migrations_dir))


def _lineage(settings: ServiceSettings) -> tuple[str | None, dict[str, tuple[str | None, bool]]]:
    """The schema's current revision and its recorded lineage: revision -> (down revision, compatible)."""
    schema = settings.schema_name

    async def read() -> tuple[str | None, dict[str, tuple[str | None, bool]]]:
        engine = create_async_engine(settings.database_url)
        try:
            async with engine.connect() as connection:
                exists = await connection.scalar(
                    text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f'"{schema}".alembic_version'}
                )
                if not exists:
                    return None, {}
                current = await connection.scalar(text(f'SELECT version_num FROM "{schema}".alembic_version'))
                has_lineage = await connection.scalar(
                    text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f'"{schema}".schema_lineage'}
                )
                rows = (
                    (
                        await connection.execute(
                            text(f'SELECT revision, down_revision, backward_compatible FROM "{schema}".schema_lineage')
                        )
                    ).all()
                    if has_lineage
                    else []
                )
                return current, {r[0]: (r[1], bool(r[2])) for r in rows}
        finally:
            await engine.dispose()

    return asyncio.run(read())


def schema_state(settings: ServiceSettings, migrations_dir: Path) -> SchemaState:
    """How the database's schema relates to this image's migrations. Raises SchemaIncompatible when the
    schema is newer and some migration since this image's head is not backward compatible (or unknown)."""
    script = _script(migrations_dir, settings)
    head = script.get_current_head()
    assert head is not None, f"{migrations_dir} has no migrations"
    current, lineage = _lineage(settings)
    if current == head:
        return SchemaState(current, head, "current")
    known = {rev.revision for rev in script.walk_revisions()}
    if current is None or current in known:
        return SchemaState(current, head, "behind")
    revision: str | None = current
    while revision is not None and revision != head:
        if revision not in lineage:
            raise SchemaIncompatible(f"the schema is at {current}, which this image ({head}) does not descend to")
        down, compatible = lineage[revision]
        if not compatible:
            raise SchemaIncompatible(
                f"the schema is at {current}; migration {revision} is not backward compatible with this image ({head})"
            )
        revision = down
    if revision is None:
        raise SchemaIncompatible(f"the schema is at {current}, on a lineage without this image's head {head}")
    return SchemaState(current, head, "ahead-compatible")


def upgrade_to_head(settings: ServiceSettings, migrations_dir: Path) -> SchemaState:
    """Apply every pending migration (blocking; call from a thread inside an event loop). A schema that
    is already newer and compatible is left as it is (an older image's migrate Job during a rollback);
    an incompatible one raises SchemaIncompatible."""
    state = schema_state(settings, migrations_dir)
    if state.relation == "ahead-compatible":
        return state
    command.upgrade(alembic_config(settings, migrations_dir), "head")
    return schema_state(settings, migrations_dir)


def assert_schema_runnable(settings: ServiceSettings, migrations_dir: Path) -> SchemaState:
    """At start: the schema must be this image's head, or newer and compatible (a warning then)."""
    state = schema_state(settings, migrations_dir)
    if state.relation == "behind":
        raise SchemaIncompatible(f"the schema is at {state.database}, older than {state.image_head}: run migrate first")
    return state


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
        _record_lineage(connection, schema)

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


def _record_lineage(connection: Connection, schema: str) -> None:
    """Remember every known revision with its down revision and compatibility flag, in the schema."""
    connection.execute(
        text(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_lineage ('
            "revision text PRIMARY KEY, down_revision text, backward_compatible boolean NOT NULL)"
        )
    )
    script = context.script
    for rev in script.walk_revisions():
        down = rev.down_revision if isinstance(rev.down_revision, str) or rev.down_revision is None else None
        connection.execute(
            text(
                f'INSERT INTO "{schema}".schema_lineage (revision, down_revision, backward_compatible) '
                "VALUES (:r, :d, :c) ON CONFLICT (revision) DO NOTHING"
            ),
            {"r": rev.revision, "d": down, "c": bool(getattr(rev.module, "backward_compatible", False))},
        )
