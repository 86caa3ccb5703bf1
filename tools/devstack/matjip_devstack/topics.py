"""Kafka topics of the contract: listing, creating (with their dead-letter topics) and reading offsets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic

from matjip_devstack import config

T = TypeVar("T")

_TOPIC_ALREADY_EXISTS = 36


def contract_topics() -> tuple[str, ...]:
    """`matjip_contracts.topics.ALL_TOPICS` when that module exists, else the list in conventions.md."""
    try:
        module = importlib.import_module("matjip_contracts.topics")
    except ImportError:
        return config.CONVENTION_TOPICS
    topics = getattr(module, "ALL_TOPICS", None)
    if not topics:
        return config.CONVENTION_TOPICS
    # The contract may or may not list the .dlq topics itself; we add them either way.
    return tuple(str(t) for t in topics if not str(t).endswith(".dlq"))


def with_dead_letters(topics: Iterable[str]) -> list[str]:
    out: list[str] = []
    for topic in topics:
        out += [topic, f"{topic}.dlq"]
    return out


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, even when the caller is itself inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def create_topics(
    bootstrap: str = config.KAFKA_BOOTSTRAP,
    prefix: str = "",
    topics: Iterable[str] | None = None,
    partitions: int = config.TOPIC_PARTITIONS,
    timeout: float = 60.0,
) -> list[str]:
    """Create `<prefix><topic>` and `<prefix><topic>.dlq` for each topic; existing ones are kept, and grown
    to `partitions` if they have fewer (a stack made when topics had 3).

    Returns the full names. Retries while the broker is still electing its controller.
    """
    names = [prefix + t for t in with_dead_letters(topics if topics is not None else contract_topics())]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    pending = list(names)
    last_error = ""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        while pending:
            response = await admin.create_topics(
                [NewTopic(name, partitions, 1) for name in pending], timeout_ms=15000
            )
            failed = []
            for item in response.topic_errors:
                name, code = item[0], item[1]
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    failed.append(name)
                    last_error = f"{name}: error code {code} {item[2] if len(item) > 2 else ''}"
            pending = failed
            if pending:
                if loop.time() > deadline:
                    raise RuntimeError(f"could not create topics: {last_error}")
                await asyncio.sleep(0.5)
        await _grow(admin, names, partitions)
    finally:
        await admin.close()
    return names


async def _grow(admin: AIOKafkaAdminClient, names: list[str], partitions: int) -> None:
    """Add partitions to topics that have fewer than `partitions`. Growing moves some keys to a new partition:
    done at start, before the services consume, it costs at most the order of messages already in flight."""
    described = await admin.describe_topics(names)
    short = {t["topic"]: NewPartitions(partitions) for t in described
             if t.get("error_code", 0) == 0 and len(t["partitions"]) < partitions}
    if short:
        await admin.create_partitions(short, timeout_ms=15000)


async def delete_topics_with_prefix(prefix: str, bootstrap: str = config.KAFKA_BOOTSTRAP) -> list[str]:
    """Delete every topic whose name starts with `prefix` (a test run's own topics)."""
    if not prefix:
        raise ValueError("refusing to delete every topic")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


async def list_topics(bootstrap: str = config.KAFKA_BOOTSTRAP) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


async def end_offsets(bootstrap: str = config.KAFKA_BOOTSTRAP) -> dict[str, dict[int, int]]:
    """Every non-internal topic with its partitions' end offsets."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    parts = [
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if not t["is_internal"] and not t["topic"].startswith("__")
        for p in t["partitions"]
    ]
    result: dict[str, dict[int, int]] = {tp.topic: {} for tp in parts}
    if not parts:
        return result
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        for tp, offset in (await consumer.end_offsets(parts)).items():
            result[tp.topic][tp.partition] = offset
    finally:
        await consumer.stop()
    return {t: dict(sorted(result[t].items())) for t in sorted(result)}
