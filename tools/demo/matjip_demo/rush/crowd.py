"""The rush's customers: the city's people (except the demo customer, whom a person may be using) and as
many generated neighbours as the rate needs, each at a place in the neighbourhood, each with a card.

Generated neighbours are accounts like any other (`guest-001@<city domain>`, password derived from
the checkout's key), made on the first rush that needs them and signed in on later ones.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass

from matjip_demo.accounts import DemoCredentials
from matjip_demo.city import City
from matjip_demo.city.model import Place
from matjip_demo.client import Person, phone_address
from matjip_demo.sandbox import Card, give_card

SURNAMES = "김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원천방공현"
GIVEN = (
    "민준", "서연", "도윤", "서윤", "시우", "지우", "하준", "하은", "주원", "지유", "예준", "수아", "지호", "채원",
    "준우", "지민", "현우", "다은", "건우", "은서", "우진", "예은", "선우", "소율", "연우", "윤서", "유준", "가은",
)
DECLINED_CARD_EVERY = 12  # one neighbour in twelve carries a card the gateway declines
CROWD_PHONES = 1000  # phone addresses after the ones the seed gives the city's people


@dataclass
class Shopper:
    person: Person
    name: str
    at: Place
    card: Card
    busy: bool = False


def neighbour_place(city: City, rng: random.Random, radius_m: float = 900.0) -> Place:
    """A point within `radius_m` of the city's centre, uniform over the disc."""
    distance, bearing = radius_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    lat = city.centre.lat + distance * math.cos(bearing) / 111_320
    lng = city.centre.lng + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(city.centre.lat)))
    return Place(lat=round(lat, 6), lng=round(lng, 6))


def guest_name(index: int) -> str:
    return SURNAMES[(index * 7) % len(SURNAMES)] + GIVEN[(index * 11) % len(GIVEN)]


def crowd_of(city: City, edge_url: str, credentials: DemoCredentials, size: int, rng: random.Random) -> list[Shopper]:
    """`size` shoppers: the city's customers, and generated neighbours for the rest. Only neighbours carry
    the declined cards (one in twelve shoppers, at least one), so the city's own people always pay."""
    declined = max(1, size // DECLINED_CARD_EVERY)
    people = [(c.key, c.name, c.at) for c in city.customers if c.key != city.demo.customer]
    people = people[: max(0, size - declined)]
    guests = [(f"guest-{i:03d}", guest_name(i), neighbour_place(city, rng)) for i in range(1, size - len(people) + 1)]
    shoppers = []
    for index, (key, name, at) in enumerate([*people, *guests]):
        email = city.email(key)
        card = Card.DECLINED if index >= len(people) and index - len(people) < declined else Card.GOOD
        person = Person(edge_url, email, credentials.password(email), phone_address(CROWD_PHONES + index))
        shoppers.append(Shopper(person, name, at, card))
    return shoppers


async def bring_in(shoppers: list[Shopper], *, concurrency: int = 4) -> None:
    """Sign every shopper up (or in) and give them their card in the payment sandbox."""
    gate = asyncio.Semaphore(concurrency)

    async def one(shopper: Shopper) -> None:
        async with gate:  # auth hashes passwords: a few at a time
            await shopper.person.join(shopper.name, "CUSTOMER", probably_exists=True)
        await give_card(shopper.person, shopper.card)

    await asyncio.gather(*(one(s) for s in shoppers))
