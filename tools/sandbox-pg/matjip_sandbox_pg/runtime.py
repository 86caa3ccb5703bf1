"""The running sandbox PG: its settings and database, for its routes and the platform's health endpoints."""

import asyncio
import base64
import hmac
from dataclasses import dataclass, field
from typing import Annotated, cast

from fastapi import Depends, Request

from matjip_platform.db import Database
from matjip_sandbox_pg.settings import SandboxPgSettings


@dataclass
class SandboxPgRuntime:
    settings: SandboxPgSettings
    db: Database
    draining: bool = False
    crashed_task: str | None = None  # read by the platform's liveness; the sandbox runs no background loop
    _expected_auth: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Toss's scheme: "Basic base64(secretKey + ':')", the key as user name and no password.
        key = self.settings.sandbox_pg_secret_key.get_secret_value()
        self._expected_auth = b"Basic " + base64.b64encode(f"{key}:".encode())

    def authorizes(self, authorization: str | None) -> bool:
        return authorization is not None and hmac.compare_digest(authorization.encode(), self._expected_auth)

    async def readiness(self) -> dict[str, bool]:
        try:
            await asyncio.wait_for(self.db.ping(), 2.0)
            database = True
        except Exception:
            database = False
        return {"accepting": not self.draining, "database": database}


async def runtime_of(request: Request) -> SandboxPgRuntime:
    # async: FastAPI runs a plain function dependency in a worker thread, a thread hop per request.
    return cast(SandboxPgRuntime, request.app.state.runtime)


Sandbox = Annotated[SandboxPgRuntime, Depends(runtime_of)]
