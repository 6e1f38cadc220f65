"""Fakes and factories for piplvault's tests and for users testing their own integrations."""

from __future__ import annotations

import datetime as dt


class FrozenClock:
    """A clock that tells the time it was given (UTC), and moves only when told."""

    def __init__(self, moment: dt.datetime | str) -> None:
        if isinstance(moment, str):
            moment = dt.datetime.fromisoformat(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        self.moment = moment

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += dt.timedelta(**delta)


__all__ = ["FrozenClock"]
