"""The hand-written migrations build exactly the tables the code queries (tables.py)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from matjip_platform.messaging_tables import MESSAGING_METADATA
from matjip_store.repository.tables import metadata

from .harness import StoreUnderTest

PLATFORM_TABLES = set(MESSAGING_METADATA.tables) | {"alembic_version", "schema_lineage"}


def concerns_platform(difference: Any) -> bool:
    """The outbox, inbox and schema-lineage tables share the schema but belong to the platform."""
    first = difference[0] if isinstance(difference, list) else difference
    for part in first[1:]:
        table = getattr(part, "table", part)
        name = table if isinstance(table, str) else getattr(table, "name", None)
        if isinstance(name, str) and name in PLATFORM_TABLES:
            return True
    return False


async def test_migrated_schema_matches_the_table_definitions(store: StoreUnderTest) -> None:
    def differences(connection: Connection) -> list[Any]:
        diff: list[Any] = compare_metadata(MigrationContext.configure(connection), metadata)
        return [d for d in diff if not concerns_platform(d)]

    async with store.service.runtime.db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []
