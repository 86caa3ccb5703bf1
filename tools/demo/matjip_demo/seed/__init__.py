"""`./matjip demo seed`: the demo city, created through the platform's own HTTP APIs, idempotently.

People first (auth, then user), then stores and menus (store, awaited in order's read model), then
reviews (each through a completed order). Every read model, ai's review index and the notification
history follow from the services' own events, as they would for real customers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from matjip_demo.accounts import DemoCredentials
from matjip_demo.city import City
from matjip_demo.seed.people import Cast, cast_of, seed_people
from matjip_demo.seed.report import SeedError, SeedReport
from matjip_demo.seed.reviews import seed_reviews
from matjip_demo.seed.stores import SeededStore, seed_stores

__all__ = ["SeedError", "SeedReport", "SeededCity", "seed_city"]


class SeededCity:
    """The city as the platform has it: everyone signed in, every store with its ids."""

    def __init__(self, city: City, cast: Cast, stores: dict[str, SeededStore]) -> None:
        self.city = city
        self.cast = cast
        self.stores = stores

    async def close(self) -> None:
        await self.cast.close()


async def seed_city(
    city: City,
    edge_url: str,
    credentials: DemoCredentials,
    *,
    progress: Callable[[str], None] = print,
    review_concurrency: int = 12,
) -> tuple[SeededCity, SeedReport]:
    """Bring the platform to `city`; a second call finds everything in place and changes nothing."""
    report = SeedReport()
    started = time.monotonic()
    cast = cast_of(city, edge_url, credentials)
    try:
        progress(f"people: {len(city.owners)} owners and {len(city.customers)} customers ...")
        await seed_people(city, cast, report)
        progress(f"stores: {len(city.stores)} with {sum(len(s.dishes()) for s in city.stores)} dishes ...")
        stores = await seed_stores(list(city.stores), cast.owners, report)
        progress(f"reviews: {sum(len(s.reviews) for s in city.stores)} ...")
        await seed_reviews(stores, cast.customers, report, concurrency=review_concurrency, progress=progress)
    except BaseException:
        await cast.close()
        raise
    report.seconds = time.monotonic() - started
    return SeededCity(city, cast, stores), report
