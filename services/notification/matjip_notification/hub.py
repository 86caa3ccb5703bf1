"""Wake-ups of open streams through Redis pub/sub, so any replica's stream hears of a notification
stored by any replica's consumer.

A stored notification is published on its recipient's channel once its transaction has committed (never
before: a woken stream must find it in the database). Each replica listens to all recipient channels
with one pattern subscription and wakes its local streams of that recipient. The message only says "look
again": streams always read from the database, so a lost message costs latency, never a notification
(every stream also re-reads at least every `poll_seconds`, and all streams re-read after a reconnection).
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable, Iterator
from typing import Any, Protocol
from uuid import UUID

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from matjip_platform.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

CHANNEL_PREFIX = "notification:recipient:"


class Waitable(Protocol):
    def wait(self) -> Awaitable[Any]: ...


def recipient_channel(recipient_id: UUID) -> str:
    return f"{CHANNEL_PREFIX}{recipient_id}"


class NotificationHub:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.closed = asyncio.Event()
        self.subscribed = asyncio.Event()
        self._waiters: dict[UUID, set[asyncio.Event]] = {}
        self._publishing: set[asyncio.Task[None]] = set()
        self._to_publish: set[UUID] = set()

    # --- streams -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def listen(self, recipient_id: UUID) -> Iterator[asyncio.Event]:
        """An event set whenever something may have been stored for the recipient (or the hub closes)."""
        wake = asyncio.Event()
        self._waiters.setdefault(recipient_id, set()).add(wake)
        try:
            yield wake
        finally:
            waiters = self._waiters.get(recipient_id)
            if waiters is not None:
                waiters.discard(wake)
                if not waiters:
                    del self._waiters[recipient_id]

    def _wake(self, recipient_id: UUID) -> None:
        for wake in self._waiters.get(recipient_id, ()):
            wake.set()

    def _wake_all(self) -> None:
        for waiters in self._waiters.values():
            for wake in waiters:
                wake.set()

    @property
    def streams(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    # --- publishing ----------------------------------------------------------------------------------

    def wake_after_commit(self, uow: UnitOfWork, recipients: Iterable[UUID]) -> None:
        """Publish the recipients' wake-ups when (and only if) `uow`'s transaction commits."""
        wanted = set(recipients)
        if wanted:
            uow.after_commit(lambda: self._publish_soon(wanted))

    def _publish_soon(self, recipients: set[UUID]) -> None:
        # The wake-ups of one consumer batch (and of anything committed meanwhile) leave in one pipeline.
        if not self._to_publish:
            task = asyncio.get_running_loop().create_task(self._publish_pending())
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)
        self._to_publish |= recipients

    async def _publish_pending(self) -> None:
        await asyncio.sleep(0)  # let the rest of the commit's callbacks add theirs
        recipients, self._to_publish = self._to_publish, set()
        await self.publish(recipients)

    async def publish(self, recipients: Iterable[UUID]) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for recipient_id in recipients:
                    pipe.publish(recipient_channel(recipient_id), "1")
                await pipe.execute()
        except RedisError as exc:
            log.warning("notification_wakeup_not_published", error=str(exc))  # streams' poll still finds it

    # --- listening -----------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, reconnect_seconds: float = 1.0) -> None:
        """Dispatch wake-ups until `stop`; then close, which ends every stream of this replica."""
        try:
            while not stop.is_set():
                pubsub = self.redis.pubsub()
                try:
                    await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                    while not stop.is_set():
                        message = await pubsub.get_message(timeout=0.5)
                        if message is not None:
                            self._dispatch(message)
                except (RedisError, OSError) as exc:
                    self.subscribed.clear()
                    log.warning("notification_hub_disconnected", error=str(exc))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), reconnect_seconds)
                finally:
                    with contextlib.suppress(RedisError, OSError):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
        finally:
            self.subscribed.clear()
            self.closed.set()
            self._wake_all()
            if self._publishing:
                await asyncio.gather(*self._publishing, return_exceptions=True)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] == "psubscribe":
            # (Re)subscribed: what was published while we were not listening must be re-read.
            self.subscribed.set()
            self._wake_all()
            return
        if message["type"] != "pmessage":
            return
        channel = str(message["channel"])
        try:
            self._wake(UUID(channel.removeprefix(CHANNEL_PREFIX)))
        except ValueError:
            log.warning("notification_hub_unexpected_channel", channel=channel)

    async def wait(self, wake: asyncio.Event, timeout: float, *also: Waitable) -> None:
        """Until woken, closed, one of `also` is set, or `timeout` passes."""
        waits = [asyncio.ensure_future(e.wait()) for e in (wake, self.closed, *also)]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
