"""The unit of work: one transaction, the events it emits, and what runs once it has committed.

A state change and the events it causes commit together (transactional outbox): `emit` stages the events
and they are written in one statement just before the commit. Callbacks given to `after_commit` run only
once the transaction has committed (metrics count what happened, not what was attempted and retried), and
a commit that wrote events wakes the outbox relay, so the events leave at once. Transactions are opened in
the application layer (and by the platform's consumer for event handlers), never in routes.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.base import Event
from matjip_platform.db import Database
from matjip_platform.outbox import Outbox, OutboxRow
from matjip_platform.telemetry import bookkeeping

log = structlog.get_logger(__name__)


class Staged:
    """What one transaction has emitted and asked to run after its commit. Several units of work may
    share it: the handlers of one consumer batch run in one transaction."""

    __slots__ = ("callbacks", "rows")

    def __init__(self) -> None:
        self.rows: list[OutboxRow] = []
        self.callbacks: list[Callable[[], None]] = []


class UnitOfWork:
    """A transaction on the service's schema (`conn`), its outbox and its after-commit callbacks."""

    def __init__(self, conn: AsyncConnection, outbox: Outbox, staged: Staged | None = None) -> None:
        self.conn = conn
        self.outbox = outbox
        self.staged = staged if staged is not None else Staged()

    async def emit(self, *events: Event) -> None:
        """The events commit with the change they describe, in this order."""
        self.staged.rows.extend(self.outbox.rows(events))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (never after a rollback)."""
        self.staged.callbacks.append(callback)


class UnitOfWorkFactory:
    """Opens units of work: `async with unit_of_work() as uow: ...` commits when the block ends and rolls
    back if it raises."""

    def __init__(self, db: Database, outbox: Outbox, on_events_committed: Callable[[], None]) -> None:
        self.db = db
        self.outbox = outbox
        self.on_events_committed = on_events_committed

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.transaction() as conn:
            uow = UnitOfWork(conn, self.outbox)
            yield uow
            with bookkeeping():
                await self.outbox.write(conn, uow.staged.rows)
        self.committed(uow.staged)

    def committed(self, staged: Staged) -> None:
        """What follows a commit: the callbacks, then a wake-up of the relay if events were written."""
        for callback in staged.callbacks:
            try:
                callback()
            except Exception:  # a metric or a wake-up must not turn a committed change into an error
                log.exception("after_commit_callback_failed")
        if staged.rows:
            self.on_events_committed()
