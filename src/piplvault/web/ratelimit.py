"""Login rate limiting per (user, client address): after ``LIMIT`` failures within
``WINDOW`` seconds further attempts are refused until the oldest failure ages out."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

LIMIT = 5
WINDOW = 15 * 60
#: Past this many tracked (user, address) pairs, stale ones are dropped (a flood of made-up
#: user names cannot grow the server's memory without bound).
MAX_TRACKED = 10_000


class LoginLimiter:
    def __init__(
        self, *, limit: int = LIMIT, window: float = WINDOW, clock: Any = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, user: str, address: str) -> int:
        """Seconds until ``user`` may try again from ``address`` (0: now)."""
        now = self._clock()
        with self._lock:
            times = self._recent((user, address), now)
            if len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, user: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._prune(now)
            self._recent((user, address), now).append(now)

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= MAX_TRACKED:  # all recent: forget the oldest
            del self._failures[next(iter(self._failures))]

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop((user, address), None)
