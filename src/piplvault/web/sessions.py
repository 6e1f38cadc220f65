"""Console login sessions, held in the server's memory only.

A session id is 256 random bits sent as an HttpOnly, SameSite=Strict cookie; a new id is
made at every login (an id planted before login is never promoted: no session fixation)
and logout forgets it. Each session has its own CSRF token, checked on every POST. Nothing
is written to disk: restarting or sealing the server logs everyone out (fail closed).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "pv_session"
IDLE_SECONDS = 30 * 60
MAX_SECONDS = 12 * 60 * 60
MAX_UPLOADS = 3


@dataclass(slots=True)
class WebSession:
    id: str
    user: str
    csrf: str
    created: float
    seen: float
    #: upload id → the pending import (file bytes in memory, the person's column decisions)
    uploads: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    """Live console sessions by id (thread-safe; the server runs routes in threads)."""

    def __init__(self, *, clock: Any = time.monotonic) -> None:
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def create(self, user: str) -> WebSession:
        now = self._clock()
        session = WebSession(
            id=secrets.token_urlsafe(32),
            user=user,
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
        )
        with self._lock:
            for key in [k for k, s in self._sessions.items() if self._expired(s, now)]:
                del self._sessions[key]
            self._sessions[session.id] = session
        return session

    @staticmethod
    def _expired(session: WebSession, now: float) -> bool:
        return now - session.seen > IDLE_SECONDS or now - session.created > MAX_SECONDS

    def get(self, session_id: str | None) -> WebSession | None:
        """The live session for ``session_id`` (idle and old sessions are dropped)."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.seen = now
            return session

    def drop(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)

    def drop_user(self, user: str) -> None:
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.user == user]:
                del self._sessions[key]

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")
