"""What the simulated customers and owners of one rush share: the plan, the dice, the counters, and which
orders exist and what their owners decided about them."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from matjip_demo.client import ApiError, Person
from matjip_demo.rush.plan import ANSWERS, Answer, Deck, RushPlan, human_pause
from matjip_demo.rush.stats import BUSINESS_REFUSALS, RushStats

T = TypeVar("T")


@dataclass
class RushState:
    plan: RushPlan
    rng: random.Random
    stats: RushStats = field(default_factory=RushStats)
    orders: dict[str, Person] = field(default_factory=dict)  # order id -> the customer who placed it
    answers: dict[str, Answer] = field(default_factory=dict)  # order id -> what its owner decided
    started: float = field(default_factory=time.monotonic)
    _answer_deck: Deck[Answer] | None = None

    def answer_for(self, order_id: str) -> Answer:
        """The owner's decision on a new order, drawn once per order."""
        if order_id not in self.answers:
            if self._answer_deck is None:
                self._answer_deck = Deck(ANSWERS, self.rng)
            self.answers[order_id] = self._answer_deck.draw()
            self.stats.answers[self.answers[order_id]] += 1
        return self.answers[order_id]

    async def human(self, low: float, high: float) -> None:
        """Wait as long as a person takes for something that takes them `low` to `high` seconds."""
        await asyncio.sleep(human_pause(self.rng, low, high) * self.plan.pace)

    async def guarded(self, who: str, action: Callable[[], Awaitable[T]]) -> T | None:
        """Run one person's action; a business refusal is counted as one, anything unexpected as an error."""
        try:
            return await action()
        except ApiError as exc:
            if exc.code in BUSINESS_REFUSALS:
                self.stats.refused(exc.code)
            else:
                self.stats.error(f"http {exc.status} {exc.code}".strip(), f"{who}: {exc}")
        except (httpx.HTTPError, TimeoutError) as exc:
            self.stats.error(type(exc).__name__, f"{who}: {exc!r}")
        return None
