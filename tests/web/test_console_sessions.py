"""Session and rate-limit bookkeeping with a fake clock: idle and absolute expiry, the
lock window sliding, bounded memory (R-NDS-9-1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piplvault.web import ratelimit
from piplvault.web.ratelimit import LoginLimiter
from piplvault.web.sessions import IDLE_SECONDS, MAX_SECONDS, SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sessions_expire_when_idle_and_after_the_maximum() -> None:
    clock = Clock()
    store = SessionStore(clock=clock)
    s = store.create("owner")
    assert s.id != s.csrf and len(s.id) >= 43
    clock.now += IDLE_SECONDS - 1
    assert store.get(s.id) is s  # touched: idle time restarts
    clock.now += IDLE_SECONDS + 1
    assert store.get(s.id) is None
    t = store.create("owner")
    for _ in range(MAX_SECONDS // (IDLE_SECONDS - 1) + 1):
        clock.now += IDLE_SECONDS - 1
        store.get(t.id)
    assert store.get(t.id) is None  # never longer than the maximum


@given(st.lists(st.floats(min_value=0, max_value=2000), min_size=1, max_size=20))
def test_the_lock_holds_exactly_while_limit_failures_are_in_the_window(
    gaps: list[float],
) -> None:
    clock = Clock()
    limiter = LoginLimiter(limit=3, window=900, clock=clock)
    times = []
    for gap in gaps:
        clock.now += gap
        limiter.failed("u", "a")
        times.append(clock.now)
        recent = [t for t in times if clock.now - t <= 900]
        assert (limiter.retry_after("u", "a") > 0) == (len(recent) >= 3)
    assert limiter.retry_after("u", "b") == 0  # per address
    limiter.succeeded("u", "a")
    assert limiter.retry_after("u", "a") == 0


def test_made_up_user_names_cannot_grow_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "MAX_TRACKED", 50)
    limiter = LoginLimiter(clock=Clock())
    for n in range(500):
        limiter.failed(f"user{n}", "a")
    assert len(limiter._failures) <= 50
