"""The rush's decisions and counters, without a platform: what arrives, what people do, what is reported."""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from itertools import islice

import pytest

from matjip_demo.rush.plan import ANSWERS, JOURNEYS, Answer, Deck, Journey, RushPlan, arrivals, human_pause
from matjip_demo.rush.stats import RushStats, Settled


def test_a_deck_shows_every_card_once_per_pass_in_its_proportions() -> None:
    deck = Deck(JOURNEYS, random.Random(7))
    passes = sum(JOURNEYS.values())
    first_pass = Counter(deck.draw() for _ in range(passes))
    assert first_pass == Counter(JOURNEYS)  # even a short rush meets every kind of customer
    ten_more = Counter(deck.draw() for _ in range(10 * passes))
    assert ten_more == Counter({j: 10 * n for j, n in JOURNEYS.items()})
    answers = Deck(ANSWERS, random.Random(1))
    assert Counter(answers.draw() for _ in range(sum(ANSWERS.values()))) == Counter(ANSWERS)
    with pytest.raises(ValueError):
        Deck({Journey.ORDER: 0}, random.Random(1))


def test_the_same_seed_replays_the_same_rush() -> None:
    one, two = Deck(JOURNEYS, random.Random(3)), Deck(JOURNEYS, random.Random(3))
    assert [one.draw() for _ in range(50)] == [two.draw() for _ in range(50)]


def test_customers_arrive_as_a_poisson_process_at_the_planned_rate() -> None:
    gaps = list(islice(arrivals(2.0, random.Random(11)), 4000))
    assert statistics.fmean(gaps) == pytest.approx(0.5, rel=0.06)
    assert statistics.pstdev(gaps) == pytest.approx(0.5, rel=0.1)  # exponential: as spread as it is long


def test_people_take_their_time_within_bounds() -> None:
    rng = random.Random(5)
    pauses = [human_pause(rng, 2.0, 10.0) for _ in range(2000)]
    assert min(pauses) >= 2.0 and max(pauses) <= 10.0
    assert statistics.median(pauses) < 6.0  # mostly quick, now and then slow


def test_a_plan_refuses_nonsense_and_sizes_its_crowd() -> None:
    with pytest.raises(ValueError):
        RushPlan(rate=0)
    with pytest.raises(ValueError):
        RushPlan(minutes=-1)
    assert RushPlan(rate=0.1).crowd_size() == 30
    assert RushPlan(rate=2).crowd_size() == 240
    assert RushPlan(rate=50).crowd_size() == 600
    assert RushPlan(minutes=2).seconds == 120


def test_progress_tells_orders_per_second_statuses_and_errors() -> None:
    stats = RushStats()
    for i, status in enumerate(["AWAITING_STORE", "PREPARING", "COMPLETED", "CANCELLED", "PLACED"]):
        stats.placed(f"o{i}", status, 0.1, now=100.0 + i)
    stats.saw("o4", "READY")
    stats.saw("unknown", "COMPLETED")  # not an order of this rush: ignored
    stats.refused("order_not_cancellable")
    stats.error("http 500", "GET /x: 500")
    line = stats.progress_line(elapsed=42, now=105.0)
    assert "orders 5 (0.5/s)" in line
    assert "awaiting store 1" in line and "in the kitchen 2" in line
    assert "completed 1" in line and "cancelled 1" in line
    assert "refusals 1" in line and "errors 1" in line


def test_the_summary_counts_outcomes_refusals_and_errors_apart() -> None:
    stats = RushStats()
    stats.placed("o1", "PLACED", 0.2, now=1.0)
    stats.answers[Answer.ACCEPT] += 1
    stats.refused("item_sold_out")
    stats.double_taps = 2
    settled = Settled(final=Counter({"completed": 5, "cancelled: customer_cancelled": 1}), waiting=1)
    text = "\n".join(stats.summary_lines(settled, minutes=2, stores=3, crowd=30))
    assert "completed" in text and "cancelled: customer_cancelled" in text
    assert "still awaiting store" in text
    assert "item_sold_out 1" in text
    assert re.search(r"^  errors +0$", text, re.M)
    assert "NOT SETTLED" not in text
    settled.unsettled.append("o9: still PREPARING")
    assert "NOT SETTLED" in "\n".join(stats.summary_lines(settled, minutes=2, stores=3, crowd=30))


def test_declined_cards_go_to_generated_neighbours_only() -> None:
    from matjip_demo.accounts import DemoCredentials
    from matjip_demo.city import load_city
    from matjip_demo.rush.crowd import crowd_of
    from matjip_demo.sandbox import Card

    city = load_city()
    for size in (10, 30, 60, 240):
        crowd = crowd_of(city, "http://edge", DemoCredentials("k"), size, random.Random(1))
        assert len(crowd) == size
        declined = [s for s in crowd if s.card is Card.DECLINED]
        assert len(declined) == max(1, size // 12)
        assert all(s.person.email.startswith("guest-") for s in declined)  # the city's people always pay
        assert city.email(city.demo.customer) not in {s.person.email for s in crowd}  # left to a person
        assert len({s.person.address for s in crowd}) == size  # a phone each
