"""The dashboard's vault-wide figures (customers by kind, values by sensitivity and
category, the retention plan's summary), computed in the background and kept for a few
minutes, so that the dashboard of a 1,000,000-customer vault renders at once instead of
recounting every customer on every load.

The figures are aggregates (no personal data); every request still checks that its
person may see reports before they are shown. They carry the time they were computed,
shown on the page; a console write that changes customers (import, deletion, a case's
destruction) clears them, and they are recomputed after ``TTL_SECONDS`` anyway (the CLI
writes through the same server but does not clear them)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TTL_SECONDS = 300.0
#: How long a first request waits for figures that are not there yet (a small vault's
#: are ready well within it; a large one's appear later, polled by the page).
FIRST_WAIT_SECONDS = 1.0


@dataclass(slots=True)
class Figures:
    value: dict[str, Any]
    computed_at: str  # the vault clock's time, for the page
    monotonic: float


@dataclass(slots=True)
class DashboardCache:
    ttl: float = TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _figures: Figures | None = None
    _running: bool = False
    _error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _done: threading.Event = field(default_factory=threading.Event)

    def figures(
        self,
        compute: Callable[[], tuple[dict[str, Any], str]],
        *,
        wait: float = FIRST_WAIT_SECONDS,
    ) -> tuple[Figures | None, bool, str | None]:
        """(the last figures or None, whether a computation is under way, its error).

        Starts ``compute()`` in a thread when there are no fresh figures and none is
        running; waits at most ``wait`` seconds, and only when there are no figures."""
        self._start_if_stale(compute)
        if self._figures is None:
            self._done.wait(wait)
        with self._lock:
            return self._figures, self._running, self._error

    def _start_if_stale(
        self, compute: Callable[[], tuple[dict[str, Any], str]]
    ) -> None:
        with self._lock:
            current = self._figures
            fresh = current is not None and self.clock() - current.monotonic < self.ttl
            if not fresh and not self._running:
                self._running = True
                self._error = None
                self._done.clear()
                threading.Thread(
                    target=self._compute,
                    args=(compute,),
                    name="piplvault-web-dashboard",
                    daemon=True,
                ).start()

    def _compute(self, compute: Callable[[], tuple[dict[str, Any], str]]) -> None:
        try:
            value, at = compute()
            figures = Figures(value, at, self.clock())
            with self._lock:
                self._figures = figures
        except Exception as error:  # noqa: BLE001  shown on the page, never lost
            with self._lock:
                self._error = getattr(error, "message", type(error).__name__)
        finally:
            with self._lock:
                self._running = False
            self._done.set()

    def clear(self) -> None:
        """Customers changed: the next dashboard recomputes (the old figures are shown,
        marked as being refreshed, until then)."""
        with self._lock:
            if self._figures is not None:
                self._figures.monotonic = float("-inf")
