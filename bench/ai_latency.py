"""Latency of one question on a store with 1,000 reviews, and the ai service's memory.

    ./matjip up --infra-only --detach && uv run python bench/ai_latency.py [--reviews 1000] [--questions 200]

Starts the ai service in this process on the local PostgreSQL, Kafka and Redis (a throwaway database and
topics), writes a store with `--reviews` reviews (the labelled set's texts, cycled, each indexed as the
consumer indexes it), then asks questions one after another through the HTTP app (ASGI in-process: no TCP
hop), in two rounds:
- new questions: every distinct question of the labelled set once (286), so none is in the service's cache
  of recent question vectors: the figure for a question nobody asked lately;
- repeated questions: `--questions` of the store's own labelled questions, cycled (all asked before): the
  figure for the common questions ("매워요?") a busy store gets again and again.
Each round prints p50/p95/p99, the CPU per question (this process: service and HTTP client) and how busy
the machine was meanwhile (load average; cores busy in all and in other processes, from /proc/stat), so a
figure taken on a shared machine can be read for what it is. RSS is this process's: the service plus this
script, so slightly more than the service alone. Prints figures; asserts nothing."""

import argparse
import asyncio
import itertools
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from matjip_ai.app import definition
from matjip_ai.domain.questions import ReviewIndexing, index_review
from matjip_ai.evaluation.dataset import load_stores
from matjip_ai.repository import read_models
from matjip_ai.text.models import TextModels
from matjip_bench.machine import machine_ticks
from matjip_contracts.events import MenuItemUpdated, ReviewPosted, StoreUpdated
from matjip_contracts.events.common import Role
from matjip_devstack.infra import ensure_infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_platform.testing import TestKeys, running_service


def resident_mb() -> tuple[float, float]:
    """(now, peak) resident memory of this process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all cores), from /proc/stat."""
    return machine_ticks()[0] / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Round:
    """One round of questions, and what else the machine was doing meanwhile."""

    latencies: list[float]  # ms, one per question
    wall: float  # s
    cpu: float  # s of this process's CPU
    machine_busy: float  # s of CPU, the whole machine
    load_before: float  # 1-minute load average
    load_after: float

    def report(self, title: str) -> str:
        n, cores = len(self.latencies), os.cpu_count() or 1
        ours = self.cpu / self.wall
        busy = self.machine_busy / self.wall
        return (
            f"{title}, {n} one at a time:\n"
            f"  p50 {percentile(self.latencies, 50):.0f} ms  p95 {percentile(self.latencies, 95):.0f} ms  "
            f"p99 {percentile(self.latencies, 99):.0f} ms  max {max(self.latencies):.0f} ms  "
            f"mean {statistics.fmean(self.latencies):.0f} ms; {self.cpu / n * 1000:.1f} ms of CPU per question\n"
            f"  machine meanwhile: load {self.load_before:.1f} -> {self.load_after:.1f}; {busy:.2f} of {cores} cores "
            f"busy, {max(0.0, busy - ours):.2f} of them with other processes"
        )


async def ask_round(ask: Callable[[str], Awaitable[None]], questions: Sequence[str]) -> Round:
    load_before = os.getloadavg()[0]
    busy, cpu, wall = machine_busy_seconds(), time.process_time(), time.perf_counter()
    latencies = []
    for question in questions:
        began = time.perf_counter()
        await ask(question)
        latencies.append((time.perf_counter() - began) * 1000)
    return Round(
        latencies=latencies,
        wall=time.perf_counter() - wall,
        cpu=time.process_time() - cpu,
        machine_busy=machine_busy_seconds() - busy,
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


async def run(review_count: int, question_count: int) -> None:
    infra = ensure_infra()
    stores = load_stores()
    home = stores[0]
    texts = [r for s in stores for r in s.reviews]
    keys = TestKeys()
    with throwaway_database_and_topics(infra, "aibench") as (database_url, prefix):
        async with running_service(
            definition,
            database_url=database_url,
            kafka_bootstrap=infra.kafka_bootstrap,
            redis_url=infra.redis_url,
            topic_prefix=prefix,
            keys=keys,
            rate_limit_per_ip=1_000_000,
            rate_limit_per_user=1_000_000,
        ) as service:
            models: TextModels = service.components.models
            print(f"service started; RSS now {resident_mb()[0]:.0f} MB")
            started = time.process_time()
            indexed: dict[str, ReviewIndexing] = {
                r.text: index_review(r.text, models.embedder, models.analyzer) for r in texts
            }
            per_review = (time.process_time() - started) / len(indexed) * 1000
            print(f"indexing one review (vectors of text and sentences, terms, aspects): {per_review:.0f} ms of CPU")
            store_id = uuid4()
            async with service.components.unit_of_work() as uow:
                session = uow.conn
                await read_models.save_store(
                    session,
                    StoreUpdated(
                        store_id=store_id,
                        owner_id=uuid4(),
                        name=home.name,
                        timezone="Asia/Seoul",
                        opening_hours=(),
                        accepting_orders=True,
                        revision=1,
                    ),
                )
                for item in home.menu.values():
                    vector = models.embedder.embed_queries([item.name])[0]
                    event = MenuItemUpdated(
                        menu_item_id=item.menu_item_id,
                        store_id=store_id,
                        name=item.name,
                        price=item.price,
                        sold_out=False,
                        revision=1,
                    )
                    await read_models.save_menu_item(session, event, vector, models.embedder.name)
                now = datetime(2026, 1, 1, tzinfo=UTC)
                for n, review in zip(range(review_count), itertools.cycle(texts), strict=False):
                    posted = ReviewPosted(
                        review_id=uuid4(),
                        store_id=store_id,
                        order_id=uuid4(),
                        customer_id=uuid4(),
                        rating=review.rating,
                        text=review.text,
                        menu_item_ids=(),
                        posted_at=now - timedelta(minutes=n),
                    )
                    await read_models.save_review(session, posted, indexed[review.text])
            headers = keys.auth_header(uuid4(), Role.CUSTOMER)
            url = f"/api/ai/stores/{store_id}/questions"

            async def ask(question: str) -> None:
                response = await service.client.post(url, json={"question": question}, headers=headers)
                response.raise_for_status()
                assert response.json()["reviews_considered"] == review_count

            for n in range(5):  # warm-up (pools, code paths) with questions of neither round
                await ask(f"warm-up question {n}: 떡볶이 맛은 어때요?")
            every_question = list(dict.fromkeys(q.text for s in stores for q in s.questions))
            new = await ask_round(ask, every_question)
            home_questions = [q.text for q in home.questions]
            repeated = await ask_round(ask, list(itertools.islice(itertools.cycle(home_questions), question_count)))
            now_mb, peak_mb = resident_mb()
            cycled = f"repeated questions (the store's {len(home_questions)}, cycled)"
            print(
                f"questions on a store with {review_count} reviews\n"
                f"{new.report('new questions (each distinct question of the labelled set once)')}\n"
                f"{repeated.report(cycled)}\n"
                f"RSS: {now_mb:.0f} MB now, {peak_mb:.0f} MB peak (this process: the ai service and the script)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=200)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.reviews, arguments.questions))


if __name__ == "__main__":
    main()
