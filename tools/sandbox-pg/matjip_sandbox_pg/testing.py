"""The sandbox PG in a test's own process, served over real HTTP on a free loopback port, against the real
PostgreSQL: what payment's tests charge through (its adapter calls it like any PG), and the sandbox's own
tests. Never used by the running stack."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from matjip_contracts.services import SANDBOX_PG
from matjip_platform.migrations import upgrade_to_head
from matjip_platform.testing import listening_socket, served_over_http
from matjip_sandbox_pg.app import BASE_PATH, create_app
from matjip_sandbox_pg.runtime import SandboxPgRuntime
from matjip_sandbox_pg.settings import MIGRATIONS_DIR, SandboxPgSettings


@dataclass(frozen=True)
class RunningSandboxPg:
    root_url: str  # http://127.0.0.1:<port>: for SandboxPgClient.at(...)
    secret_key: str  # made for this run: the key payment's adapter must send
    runtime: SandboxPgRuntime

    @property
    def pg_url(self) -> str:
        """The PG's base URL, as payment's MATJIP_PAYMENT_GATEWAY_BASE_URL takes it."""
        return self.root_url + BASE_PATH


@asynccontextmanager
async def running_sandbox_pg(database_url: str, **settings: Any) -> AsyncIterator[RunningSandboxPg]:
    """Migrate its schema in `database_url`, start it and serve it until the block ends."""
    secret_key = f"test_sk_{secrets.token_urlsafe(24)}"  # made per run, never committed
    config = SandboxPgSettings(
        database_url=database_url,
        db_schema=SANDBOX_PG.schema,
        environment="local",
        sandbox_pg_secret_key=secret_key,
        **settings,
    )
    await asyncio.to_thread(upgrade_to_head, config, MIGRATIONS_DIR)
    app = create_app(config)
    async with app.router.lifespan_context(app), served_over_http(app, listening_socket()) as url:
        yield RunningSandboxPg(url, secret_key, app.state.runtime)
