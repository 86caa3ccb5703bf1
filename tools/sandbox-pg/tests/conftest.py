"""The sandbox PG in-process for the session, served over real HTTP against the real PostgreSQL: `pg` calls
its PG API as a merchant would (base URL and secret key), `control` drives its control API."""

from collections.abc import AsyncIterator

import httpx
import pytest

from matjip_devstack.infra import Infra
from matjip_devstack.testing import create_test_database, drop_test_database
from matjip_sandbox_pg.client import SandboxPgClient
from matjip_sandbox_pg.testing import RunningSandboxPg, running_sandbox_pg


@pytest.fixture(scope="session")
async def sandbox(infra: Infra) -> AsyncIterator[RunningSandboxPg]:
    database_url = create_test_database(infra, "sandbox_pg")
    try:
        async with running_sandbox_pg(database_url) as running:
            yield running
    finally:
        drop_test_database(infra, database_url)


@pytest.fixture(scope="session")
async def pg(sandbox: RunningSandboxPg) -> AsyncIterator[httpx.AsyncClient]:
    auth = httpx.BasicAuth(sandbox.secret_key, "")
    async with httpx.AsyncClient(base_url=sandbox.pg_url, auth=auth, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="session")
async def control(sandbox: RunningSandboxPg) -> AsyncIterator[SandboxPgClient]:
    async with SandboxPgClient.at(sandbox.root_url) as client:
        yield client
