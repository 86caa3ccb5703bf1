"""The text models of a running service: loaded once at start-up, then shared by routes, consumers and
the reindexing task."""

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from matjip_ai.text.models import TextModels

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class LoadReport:
    model: str
    analyzer: str
    seconds: float
    resident_mb_added: float


class ModelsHolder:
    def __init__(self, load: Callable[[], TextModels]) -> None:
        self._load = load
        self._models: TextModels | None = None
        self.report: LoadReport | None = None

    async def load(self) -> LoadReport:
        """Load the models off the event loop (idempotent: a second call keeps the first ones)."""
        if self._models is not None and self.report is not None:
            return self.report
        before = _resident_mb()
        started = time.perf_counter()
        models = await asyncio.to_thread(self._load)
        self._models = models
        self.report = LoadReport(
            model=models.embedder.name,
            analyzer=models.analyzer.name,
            seconds=round(time.perf_counter() - started, 3),
            resident_mb_added=round(_resident_mb() - before, 1),
        )
        log.info(
            "text_models_ready",
            model=self.report.model,
            analyzer=self.report.analyzer,
            seconds=self.report.seconds,
            resident_mb_added=self.report.resident_mb_added,
        )
        return self.report

    @property
    def models(self) -> TextModels:
        if self._models is None:
            # on_startup loads them before the consumer and the HTTP server start: reaching this is a bug.
            raise RuntimeError("the text models are not loaded yet")
        return self._models


def _resident_mb() -> float:
    """This process's resident memory now (Linux /proc; 0 elsewhere, where the figure is only logged)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
