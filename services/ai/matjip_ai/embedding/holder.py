"""The one embedder of a running service: loaded once at start-up, then shared by routes and consumers."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from matjip_ai.domain.embedding import Embedder

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class LoadReport:
    model: str
    seconds: float
    resident_mb_added: float


class EmbedderHolder:
    def __init__(self, load: Callable[[], Embedder]) -> None:
        self._load = load
        self._embedder: Embedder | None = None
        self.report: LoadReport | None = None

    async def load(self) -> LoadReport:
        """Load the model off the event loop (idempotent: a second call keeps the first model)."""
        if self._embedder is not None and self.report is not None:
            return self.report
        before = _resident_mb()
        started = time.perf_counter()
        embedder = await asyncio.to_thread(self._load)
        self._embedder = embedder
        self.report = LoadReport(
            model=embedder.name,
            seconds=round(time.perf_counter() - started, 3),
            resident_mb_added=round(_resident_mb() - before, 1),
        )
        log.info(
            "embedding_model_ready",
            model=self.report.model,
            seconds=self.report.seconds,
            resident_mb_added=self.report.resident_mb_added,
        )
        return self.report

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            # on_startup loads it before the consumer and the HTTP server start: reaching this is a bug.
            raise RuntimeError("the embedding model is not loaded yet")
        return self._embedder


def _resident_mb() -> float:
    """This process's resident memory now (Linux /proc; 0 elsewhere, where the figure is only logged)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
