"""The city's people: accounts in auth (signed up once, then signed in), profiles and addresses in user."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from matjip_demo.accounts import DemoCredentials
from matjip_demo.city import City, Customer
from matjip_demo.client import ApiError, Person, eventually, phone_address
from matjip_demo.seed.report import SeedError, SeedReport


@dataclass
class Cast:
    """Everyone of the city, signed in, by key."""

    owners: dict[str, Person]
    customers: dict[str, Person]

    async def close(self) -> None:
        for person in [*self.owners.values(), *self.customers.values()]:
            await person.close()


def cast_of(city: City, edge_url: str, credentials: DemoCredentials) -> Cast:
    """The people of `city` as `Person`s (not signed in yet), each on a phone address of their own."""
    keys = [o.key for o in city.owners] + [c.key for c in city.customers]
    people = {
        key: Person(edge_url, city.email(key), credentials.password(city.email(key)), phone_address(index))
        for index, key in enumerate(keys)
    }
    return Cast(
        owners={o.key: people[o.key] for o in city.owners},
        customers={c.key: people[c.key] for c in city.customers},
    )


async def _account(person: Person, name: str, role: str, report: SeedReport, probably_exists: bool) -> None:
    try:
        created = await person.join(name, role, probably_exists=probably_exists)
    except ApiError as exc:
        if exc.code == "invalid_credentials":
            raise SeedError(
                f"{person.email} exists with another password: this database was seeded with another "
                "checkout's .data/demo.env (keep that file, or start from an empty database)"
            ) from exc
        raise
    if created:
        report.change("accounts")
    else:
        report.found("accounts")


async def _profile(person: Person, phone: str, report: SeedReport) -> dict[str, Any]:
    async def profile() -> dict[str, Any] | None:
        # user makes the profile from auth's AccountRegistered event: it may not exist just yet.
        response = await person.call("GET", "/api/user/me", ok=(200, 404))
        return response.json() if response.status_code == 200 else None

    found: dict[str, Any] = await eventually(f"the profile of {person.email}", profile)
    if found.get("phone") != phone:
        await person.patch("/api/user/me", {"phone": phone})
        report.change("profiles")
    else:
        report.found("profiles")
    return found


async def _home(person: Person, customer: Customer, report: SeedReport) -> None:
    addresses = await person.get("/api/user/me/addresses")
    if any(a["line1"] == customer.home.line1 for a in addresses):
        report.found("addresses")
        return
    label = "집" if customer.language == "ko" else "Home"
    await person.post("/api/user/me/addresses", {"label": label, **customer.home.model_dump(exclude_none=True)})
    report.change("addresses")


async def seeded_before(city: City, anyone: Person) -> bool:
    """Whether the platform already has the city's demo store (then its people are signed into, not up for)."""
    page = await anyone.get("/api/store/stores", params={"limit": 100}, auth=False)
    return any(s["name"] == city.store(city.demo.store).name for s in page["items"])


async def seed_people(city: City, cast: Cast, report: SeedReport, *, concurrency: int = 4) -> None:
    """Sign everyone up (or in), then complete their profiles; `concurrency` bounds auth's password hashing."""
    gate = asyncio.Semaphore(concurrency)
    probably_exists = await seeded_before(city, next(iter(cast.owners.values())))

    async def owner(key: str) -> None:
        spec, person = city.owner(key), cast.owners[key]
        async with gate:
            await _account(person, spec.name, "OWNER", report, probably_exists)
        await _profile(person, spec.phone, report)

    async def customer(key: str) -> None:
        spec, person = city.customer(key), cast.customers[key]
        async with gate:
            await _account(person, spec.name, "CUSTOMER", report, probably_exists)
        await _profile(person, spec.phone, report)
        await _home(person, spec, report)

    await asyncio.gather(*(owner(k) for k in cast.owners), *(customer(k) for k in cast.customers))
