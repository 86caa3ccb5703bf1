"""What `./matjip up` is doing, as it happens: each step when it completes, with the time since start,
and every few seconds of silence a line naming what it still waits for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class StartupProgress:
    def __init__(self, quiet_seconds: float = 5.0) -> None:
        self.started = time.monotonic()
        self.quiet_seconds = quiet_seconds
        self._waiting: list[str | Callable[[], str]] = []
        self._last_output = self.started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __call__(self, done: str) -> None:
        """One step completed."""
        self._print(done)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @contextmanager
    def waiting_for(self, what: str | Callable[[], str]) -> Iterator[None]:
        """While the block runs, silence is explained by naming `what` (or what it returns then)."""
        with self._lock:
            self._waiting.append(what)
        try:
            yield
        finally:
            with self._lock:
                self._waiting.remove(what)

    def start(self) -> None:
        self._ticker = threading.Thread(target=self._tick, name="startup-progress", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(1.0)

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                quiet = time.monotonic() - self._last_output >= self.quiet_seconds
                waiting = list(self._waiting)
            if quiet and waiting:
                self._print("still waiting for " + "; ".join(w if isinstance(w, str) else w() for w in waiting))

    def _print(self, text: str) -> None:
        with self._lock:
            self._last_output = time.monotonic()
            print(f"  {self.elapsed():5.1f}s  {text}", flush=True)
