"""Protocols through which the pure core reaches the outside world."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    """Tells the current time (UTC). Tests use ``piplvault.testing.FrozenClock``."""

    def now(self) -> dt.datetime: ...


def to_timestamp(moment: dt.datetime) -> str:
    """ISO-8601 UTC text, to the microsecond, as stored everywhere
    (``%Y-%m-%dT%H:%M:%S.%fZ``; ``isoformat`` is a fifth of ``strftime``'s cost, and
    the server stamps several times per request)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"
