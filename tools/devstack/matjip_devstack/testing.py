"""Helpers for tests: throwaway databases and Kafka topic prefixes on the local infrastructure."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from matjip_devstack.infra import Infra
from matjip_devstack.topics import delete_topics_with_prefix, run_sync


def unique_name(prefix: str) -> str:
    """`<prefix>_<random>` made safe as a PostgreSQL identifier and a Kafka topic name."""
    clean = re.sub(r"[^a-z0-9_]", "_", prefix.lower()).strip("_") or "test"
    return f"{clean[:40]}_{uuid.uuid4().hex[:10]}"


async def _admin_execute(infra: Infra, sql: str) -> None:
    conn = await asyncpg.connect(Infra.dsn(infra.admin_database_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_test_database(infra: Infra, name_prefix: str) -> str:
    """Create an empty, uniquely named database; returns its SQLAlchemy asyncpg URL."""
    name = unique_name(name_prefix)
    run_sync(_admin_execute(infra, f'CREATE DATABASE "{name}" OWNER matjip'))
    return infra.database_url_for(name)


def drop_test_database(infra: Infra, url: str) -> None:
    """Drop a database made by :func:`create_test_database`, disconnecting whoever still uses it."""
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    run_sync(_admin_execute(infra, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def create_topic_prefix(infra: Infra, name_prefix: str = "test") -> str:
    """A fresh MATJIP_KAFKA_TOPIC_PREFIX (`<name>_<random>.`) with all contract topics created under it."""
    prefix = unique_name(name_prefix) + "."
    infra.create_topics(prefix)
    return prefix


def delete_topic_prefix(infra: Infra, prefix: str) -> None:
    """Delete the topics made by :func:`create_topic_prefix` (and any others under that prefix)."""
    run_sync(delete_topics_with_prefix(prefix, infra.kafka_bootstrap))


@contextmanager
def throwaway_database_and_topics(infra: Infra, name_prefix: str) -> Iterator[tuple[str, str]]:
    """For a service that must not share the session's: a database (its SQLAlchemy asyncpg URL) and a topic
    prefix (every contract topic created under it) of its own for the block, both removed at the end."""
    database_url = create_test_database(infra, name_prefix)
    try:
        topic_prefix = create_topic_prefix(infra, name_prefix)
        try:
            yield database_url, topic_prefix
        finally:
            delete_topic_prefix(infra, topic_prefix)
    finally:
        drop_test_database(infra, database_url)
