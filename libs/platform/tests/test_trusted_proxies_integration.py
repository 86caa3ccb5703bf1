"""Rate limits key on the real client: X-Forwarded-For counts only when the peer is a trusted proxy.

A real uvicorn server, configured exactly as `serve()` configures it, on a loopback port; the client
connects from 127.0.0.1, which is the load balancer in the trusted case and a stranger otherwise."""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from matjip_platform.service import Platform, ServiceDefinition, uvicorn_config
from matjip_platform.settings import ServiceSettings
from matjip_platform.testing import running_service

pytestmark = pytest.mark.integration


async def no_components(_: Platform[ServiceSettings]) -> None:
    return None


SAMPLE = Path(__file__).resolve().parent / "sample_service"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def served(infra: object, database_url: str, prefix: str, trusted: str) -> AsyncIterator[httpx.AsyncClient]:
    name = f"proxy{uuid.uuid4().hex[:6]}"
    definition = ServiceDefinition(
        name=name,
        title="s",
        description="s",
        migrations_dir=SAMPLE,
        schema=name,
        settings_class=ServiceSettings,
        components=no_components,
    )
    async with running_service(
        definition,
        database_url=database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        redis_url=infra.redis_url,  # type: ignore[attr-defined]
        topic_prefix=prefix,
        rate_limit_per_ip=2,
        trusted_proxy_cidrs=trusted,
    ) as service:
        port = free_port()
        settings = service.runtime.settings
        # The runtime is already up (running_service owns the lifespan): serve it without a second one.
        server = uvicorn.Server(uvicorn_config(service.app, settings, host="127.0.0.1", port=port, lifespan="off"))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/api/{name}") as client:
                yield client
        finally:
            server.should_exit = True
            await task


async def statuses(client: httpx.AsyncClient, forwarded_for: str, times: int) -> list[int]:
    return [
        (await client.get("/openapi.json", headers={"X-Forwarded-For": forwarded_for})).status_code
        for _ in range(times)
    ]


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    infra: object, test_database_url: str, kafka_topic_prefix: str
) -> None:
    async with served(infra, test_database_url, kafka_topic_prefix, trusted="127.0.0.0/8, 10.40.0.0/20") as client:
        assert await statuses(client, "203.0.113.1", 3) == [200, 200, 429]
        # Another customer behind the same load balancer is not throttled by the first one.
        assert await statuses(client, "203.0.113.2", 1) == [200]
        # A client cannot pick its own bucket: the load balancer appends the real address on the right,
        # and that one counts (here, the exhausted 203.0.113.1).
        assert await statuses(client, "198.51.100.7, 203.0.113.1", 1) == [429]


async def test_an_untrusted_peer_cannot_choose_its_address(
    infra: object, test_database_url: str, kafka_topic_prefix: str
) -> None:
    async with served(infra, test_database_url, kafka_topic_prefix, trusted="10.40.0.0/20") as client:
        # 127.0.0.1 is no trusted proxy: its X-Forwarded-For is ignored, so every "client" it claims
        # to forward shares the peer's own budget.
        assert await statuses(client, "203.0.113.1", 2) == [200, 200]
        assert await statuses(client, "203.0.113.2", 1) == [429]


def test_a_bad_cidr_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.999"):
        ServiceSettings(trusted_proxy_cidrs="10.0.0.999/8")
