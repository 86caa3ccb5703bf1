"""Rollback by image pin works on a migrated schema: expand/contract migrations on the real PostgreSQL.

The "previous image" is a migrations folder without the newest files, exactly what an older image
ships; it runs its migrate and serve against the schema the next image left."""

import asyncio
import shutil
import uuid
from pathlib import Path

import pytest

from matjip_platform.migrations import SchemaIncompatible, assert_schema_runnable, upgrade_to_head
from matjip_platform.service import Platform, ServiceDefinition
from matjip_platform.settings import ServiceSettings
from matjip_platform.testing import running_service

pytestmark = pytest.mark.integration


async def no_components(_: Platform[ServiceSettings]) -> None:
    return None


SAMPLE = Path(__file__).resolve().parent / "sample_service"

MIGRATION = '''"""{doc}"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None
{flag}

def upgrade() -> None:
    {body}
'''

STEPS = [
    (
        "0002",
        "0001",
        "items",
        "backward_compatible = True\n",
        'op.create_table("items", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))',
    ),
    (
        "0003",
        "0002",
        "expand: a nullable column the previous release ignores",
        "backward_compatible = True\n",
        'op.add_column("items", sa.Column("note", sa.Text, nullable=True))',
    ),
    ("0004", "0003", "contract: drop what the previous release still reads", "", 'op.drop_column("items", "name")'),
]


def image(tmp_path: Path, name: str, upto: str) -> Path:
    """A migrations folder as an image built at revision `upto` ships it."""
    folder = tmp_path / name
    shutil.copytree(SAMPLE, folder)
    for revision, down, doc, flag, body in STEPS:
        if revision > upto:
            break
        (folder / "versions" / f"{revision}.py").write_text(
            MIGRATION.format(doc=doc, revision=revision, down=down, flag=flag, body=body)
        )
    return folder


def settings_for(database_url: str, schema: str) -> ServiceSettings:
    return ServiceSettings(service_name=schema, db_schema=schema, database_url=database_url)


async def test_the_previous_image_migrates_and_serves_on_an_expanded_schema(
    infra: object, test_database_url: str, kafka_topic_prefix: str, tmp_path: Path
) -> None:
    schema = f"compat{uuid.uuid4().hex[:6]}"
    settings = settings_for(test_database_url, schema)
    previous, expanded, contracted = (
        image(tmp_path, "v2", "0002"),
        image(tmp_path, "v3", "0003"),
        image(tmp_path, "v4", "0004"),
    )
    assert (await asyncio.to_thread(upgrade_to_head, settings, previous)).relation == "current"
    assert (await asyncio.to_thread(upgrade_to_head, settings, expanded)).database == "0003"

    # Rollback: the previous image's migrate Job leaves the newer schema alone, with a warning ...
    state = await asyncio.to_thread(upgrade_to_head, settings, previous)
    assert (state.relation, state.database, state.image_head) == ("ahead-compatible", "0003", "0002")
    assert state.warning and "0003" in state.warning
    # ... and it serves: started, ready.
    definition = ServiceDefinition(
        name=schema,
        title="s",
        description="s",
        migrations_dir=previous,
        schema=schema,
        settings_class=ServiceSettings,
        components=no_components,
    )
    async with running_service(
        definition,
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url=infra.redis_url,  # type: ignore[attr-defined]
        topic_prefix=kafka_topic_prefix,
    ) as service:
        assert (await service.client.get("/health/ready")).status_code == 200

    # Once the contracting migration ran, neither older image may run on the schema.
    assert (await asyncio.to_thread(upgrade_to_head, settings, contracted)).database == "0004"
    for older in (previous, expanded):
        with pytest.raises(SchemaIncompatible, match="0004 is not backward compatible"):
            await asyncio.to_thread(upgrade_to_head, settings, older)
        with pytest.raises(SchemaIncompatible):
            await asyncio.to_thread(assert_schema_runnable, settings, older)


async def test_an_image_refuses_a_schema_older_than_itself(test_database_url: str, tmp_path: Path) -> None:
    schema = f"compat{uuid.uuid4().hex[:6]}"
    settings = settings_for(test_database_url, schema)
    await asyncio.to_thread(upgrade_to_head, settings, image(tmp_path, "v2", "0002"))
    with pytest.raises(SchemaIncompatible, match="run migrate first"):
        await asyncio.to_thread(assert_schema_runnable, settings, image(tmp_path, "v3", "0003"))
