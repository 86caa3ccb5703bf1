"""What a dinner rush is made of, without any I/O: who arrives when, what each customer and owner does,
and how long people take to do it. Decisions come from one seeded random generator, so a rush can be
replayed; a shuffled deck (not a dice roll) decides the journeys, so even a short rush shows each kind.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Journey(StrEnum):
    """What one arriving customer does."""

    ORDER = "order"  # browse, fill a cart, check out, follow the order to the end, sometimes review it
    DOUBLE_TAP = "double_tap"  # the same, but the checkout button is pressed twice (one Idempotency-Key)
    CANCEL = "cancel"  # orders, then changes their mind before the store answers
    DECLINED_CARD = "declined_card"  # orders with a card the payment gateway declines
    ABANDON = "abandon"  # fills a cart and leaves without ordering


class Answer(StrEnum):
    """What an owner does with a new order in the inbox."""

    ACCEPT = "accept"
    REJECT = "reject"
    NO_ANSWER = "no_answer"  # too busy to look: the saga cancels it when the acceptance window closes


JOURNEYS: Mapping[Journey, int] = {
    Journey.ORDER: 14,
    Journey.DOUBLE_TAP: 2,
    Journey.CANCEL: 2,
    Journey.DECLINED_CARD: 1,
    Journey.ABANDON: 1,
}
ANSWERS: Mapping[Answer, int] = {Answer.ACCEPT: 37, Answer.REJECT: 2, Answer.NO_ANSWER: 1}
REJECT_REASONS = ("재료가 모두 소진되었습니다", "주문이 밀려 지금은 조리가 어렵습니다", "배달 기사님 배차가 어렵습니다")
REVIEW_SHARE = 0.2  # of completed orders, reviewed by their customer
QUESTION_SHARE = 0.1  # of browsing customers, who ask the ai about a store
QUESTIONS = ("많이 매워요?", "양이 많은 편인가요?", "배달이 빨라요?", "Is it spicy?", "아이들이 먹기 괜찮아요?")
SHORT_REVIEWS = (
    (5, "맛있게 잘 먹었습니다! 다음에 또 시킬게요."),
    (5, "배달이 정말 빨랐어요. 따뜻하게 왔어요."),
    (4, "양이 넉넉하고 포장이 꼼꼼해요."),
    (4, "맛은 좋은데 조금 식어서 왔어요."),
    (3, "무난해요. 가격 생각하면 괜찮아요."),
    (5, "Arrived hot and quickly. Would order again."),
)


class Deck(Generic[T]):
    """Draws from a weighted set the way a shuffled deck does: every card once per pass, in random order."""

    def __init__(self, weights: Mapping[T, int], rng: random.Random) -> None:
        if not weights or any(w <= 0 for w in weights.values()):
            raise ValueError("a deck needs positive weights")
        self._cards = [card for card, weight in weights.items() for _ in range(weight)]
        self._rng = rng
        self._pile: list[T] = []

    def draw(self) -> T:
        if not self._pile:
            self._pile = list(self._cards)
            self._rng.shuffle(self._pile)
        return self._pile.pop()


@dataclass(frozen=True)
class RushPlan:
    rate: float = 1.0  # customers arriving per second (nineteen in twenty order)
    minutes: float = 5.0  # how long customers keep arriving
    seed: int = 1
    kitchen_seconds_per_minute: float = 0.4  # a 15-minute preparation takes 6 s: the rush is a time-lapse
    drain_seconds: float = 120.0  # after the last arrival, how long owners may take to finish
    follow_seconds: float = 90.0  # how long a customer watches an order that does not move before leaving
    pace: float = 1.0  # scales every human pause: below 1, people are brisker than life (tests)

    def __post_init__(self) -> None:
        if not 0 < self.rate <= 50:
            raise ValueError("--rate must be above 0 and at most 50 customers per second")
        if not 0 < self.minutes <= 120:
            raise ValueError("--minutes must be above 0 and at most 120")
        if not 0 < self.pace <= 10:
            raise ValueError("pace must be above 0 and at most 10")

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    def crowd_size(self) -> int:
        """Enough customers that one rarely has to start a journey while still on the last one."""
        return max(30, min(600, math.ceil(self.rate * (self.follow_seconds + 30))))


def arrivals(rate: float, rng: random.Random) -> Iterator[float]:
    """Seconds between arrivals of a Poisson process: customers come independently of one another."""
    while True:
        yield rng.expovariate(rate)


def human_pause(rng: random.Random, low: float, high: float) -> float:
    """How long a person takes for something: mostly near the low end, now and then much longer."""
    return low + (high - low) * rng.betavariate(1.5, 4.0)
