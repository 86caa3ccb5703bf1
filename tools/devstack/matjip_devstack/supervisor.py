"""Active health checks for the edge: `python -m matjip_devstack.supervisor --state-dir D` asks every
replica behind the edge for `/health/ready` once a second and takes a replica out of rotation after two
failed answers in a row (a timeout counts: a stopped or wedged process is caught in ~2 s), back in after
one good answer.

Why active checks as well as nginx's passive ones: nginx open source only notices a replica that refuses
connections. A process that accepts and never answers (SIGSTOP, a blocked event loop, a database pool
that hangs) would keep receiving requests, each waiting for it. `./matjip up` runs this process only when
some service has more than one replica: with one, taking it out would not help anyone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

import httpx

from matjip_devstack.edge_control import EdgeControl

INTERVAL = 1.0
TIMEOUT = 1.0
FAILURES_TO_REMOVE = 2


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/health/ready", timeout=TIMEOUT)).status_code == 200
    except httpx.HTTPError:
        return False


async def supervise(control: EdgeControl, stop: asyncio.Event) -> None:
    failures: dict[str, int] = {}
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            urls = sorted({u for urls in control.settings().upstreams.values() for u in urls})
            answers = await asyncio.gather(*(_ready(client, url) for url in urls))
            for url, ok in zip(urls, answers, strict=True):
                failures[url] = 0 if ok else failures.get(url, 0) + 1
            unhealthy = {url for url in urls if failures[url] >= FAILURES_TO_REMOVE}
            if unhealthy != control.routing().unhealthy:
                # Blocking (nginx -t, the reload's wait) but short; nothing else runs in this process.
                await asyncio.to_thread(control.set_unhealthy, unhealthy)
                print(f"out of rotation for failing readiness: {', '.join(sorted(unhealthy)) or 'none'}",
                      flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), INTERVAL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matjip_devstack.supervisor", description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True, help="the edge's state directory")
    args = parser.parse_args(argv)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await supervise(EdgeControl(args.state_dir), stop)

    asyncio.run(run())


if __name__ == "__main__":
    main()
