"""Fixtures for every test in the tree: the real local infrastructure and throwaway resources.

- `infra` (session): PostgreSQL, Redis and Kafka, started if they are not running
  (`matjip_devstack.infra.ensure_infra`); has `database_url`, `admin_database_url`, `kafka_bootstrap`,
  `redis_url`.
- `test_database_url` (session): a fresh, uniquely named database (SQLAlchemy asyncpg URL), dropped at
  the end of the session. For more, call `create_test_database(infra, "prefix")` (re-exported here from
  `matjip_devstack.testing`, together with `drop_test_database`).
- `kafka_topic_prefix` (session): a unique MATJIP_KAFKA_TOPIC_PREFIX with every contract topic (and its
  .dlq) created under it, so tests never read or write the dev stack's topics; deleted at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from matjip_devstack.infra import Infra, ensure_infra
from matjip_devstack.testing import (
    create_test_database,
    create_topic_prefix,
    delete_topic_prefix,
    drop_test_database,
)

__all__ = ["create_test_database", "drop_test_database"]


@pytest.fixture(scope="session")
def infra() -> Infra:
    return ensure_infra()


@pytest.fixture(scope="session")
def test_database_url(infra: Infra) -> Iterator[str]:
    url = create_test_database(infra, "test")
    yield url
    drop_test_database(infra, url)


@pytest.fixture(scope="session")
def kafka_topic_prefix(infra: Infra) -> Iterator[str]:
    prefix = create_topic_prefix(infra, "test")
    yield prefix
    delete_topic_prefix(infra, prefix)
