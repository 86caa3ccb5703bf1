"""The demo's commands as the local stack's command line runs them (`./matjip demo seed|rush`, and what
`./matjip up` says about the demo city). They talk to the platform through its edge only."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from matjip_demo.accounts import DemoCredentials, Urls, demo_accounts, demo_credentials, write_demo_env
from matjip_demo.city import City, load_city
from matjip_demo.client import ApiError
from matjip_demo.rush.plan import RushPlan
from matjip_demo.rush.simulator import RushError, run_rush
from matjip_demo.seed import SeedError, SeedReport, seed_city


def say(line: str) -> None:
    print(line, flush=True)


@dataclass(frozen=True)
class Target:
    """The running platform and this checkout's demo file."""

    urls: Urls
    env_file: Path

    def credentials(self, city: City) -> DemoCredentials:
        credentials = demo_credentials(self.env_file)
        write_demo_env(self.env_file, city, credentials, self.urls)
        return credentials


def platform_answers(edge_url: str) -> bool:
    try:
        return httpx.get(f"{edge_url}/api/store/stores", params={"limit": 1}, timeout=5.0).status_code == 200
    except httpx.HTTPError:
        return False


def platform_is_empty(edge_url: str) -> bool:
    """No store at all: a first run, when `./matjip up` offers the demo city."""
    response = httpx.get(f"{edge_url}/api/store/stores", params={"limit": 1}, timeout=10.0)
    response.raise_for_status()
    return int(response.json()["total"]) == 0


def wants_the_city(*, empty: bool, asked_for: bool, ask: Callable[[str], str] | None) -> bool:
    """Whether `./matjip up` loads the demo city: only on an empty platform, and only when asked for
    (`--seed`) or accepted at the prompt (`ask`, on a terminal); never forced."""
    if not empty:
        return False
    if asked_for:
        return True
    if ask is None:
        return False
    try:
        answer = ask("The platform is empty. Load the demo city (35 stores in 성수동 with menus and reviews, "
                     "a few minutes)? [Y/n] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("", "y", "yes")


def account_rows(target: Target) -> list[tuple[str, str]]:
    """What `./matjip up` prints about the demo accounts."""
    city = load_city()
    customer, owner = demo_accounts(city, target.credentials(city))
    store = city.store(city.demo.store).name
    return [
        ("demo customer", f"{customer.email}  {customer.password}  ({customer.name})"),
        ("demo owner", f"{owner.email}  {owner.password}  ({owner.name}, {store})"),
    ]


def seed(target: Target, only: list[str] | None = None) -> int:
    if not platform_answers(target.urls.edge):
        print(f"error: the platform does not answer at {target.urls.edge}: start it with ./matjip up", file=sys.stderr)
        return 1
    city = load_city()
    if only:
        city = city.only(only)
    say(f"seeding {city.name} through {target.urls.edge} ...")
    async def seed_and_leave() -> SeedReport:
        seeded, report = await seed_city(city, target.urls.edge, target.credentials(city), progress=say)
        await seeded.close()  # in the event loop its connections belong to
        return report

    try:
        report = asyncio.run(seed_and_leave())
    except (SeedError, ApiError, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        say(line)
    customer, owner = demo_accounts(city, target.credentials(city))
    say(f"demo accounts (also in {target.env_file}):")
    say(f"  customer  {customer.email}  {customer.password}")
    say(f"  owner     {owner.email}  {owner.password}  ({city.store(city.demo.store).name})")
    return 0


def rush(target: Target, plan: RushPlan, *, leave_demo_store: bool = False) -> int:
    if not platform_answers(target.urls.edge):
        print(f"error: the platform does not answer at {target.urls.edge}: start it with ./matjip up", file=sys.stderr)
        return 1
    city = load_city()
    manual = city.demo.store if leave_demo_store else None
    try:
        result = asyncio.run(run_rush(city, target.urls.edge, target.credentials(city), plan, out=say,
                                      manual_store=manual))
    except (RushError, ApiError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nrush stopped", file=sys.stderr)
        return 130
    for line in result.lines:
        say(line)
    say(f"see it: Zipkin {target.urls.zipkin} · Prometheus {target.urls.prometheus} · ./matjip logs order")
    return 0 if result.ok else 1
