"""Reference rows a server reads on every request, kept while ``meta.reference_stamp`` stays.

Who the actor is, their API tokens, the purposes, the field definitions (how to mask each)
and the training dates are read by nearly every request and change a few times a day.
Triggers (migrations 0012 and 0013) give ``meta.reference_stamp`` a fresh random value in
the same transaction as any change to ``users``, ``api_tokens``, ``purposes``, ``fields``
or ``training``, whoever makes it. So rows
read at one stamp are the rows of every snapshot that shows that stamp: :func:`kept`
returns them from memory, and reads them again once a snapshot shows another stamp.

Only read-only snapshots use what is kept (a write transaction reads the tables it may be
changing); a database without the stamp (before migration 0012) reads every time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from piplvault.store.engine import UNREAD_STAMP, Connection
from piplvault.store.meta import read_meta

T = TypeVar("T")

STAMP_KEY = "reference_stamp"
#: Stamps remembered at once (a process serving one vault needs one; tests open many).
_STAMPS = 8

_NOT_KEPT = object()  # a connection that keeps nothing, or a vault without the stamp

#: stamp → {what: rows}, oldest stamp first
_kept: dict[str, dict[Hashable, Any]] = {}
_lock = threading.Lock()
#: each read-only SQLAlchemy connection's stamp (a snapshot keeps its own, see below)
_stamp_of: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def kept(
    conn: Connection,
    what: Hashable,
    load: Callable[[], T],
    *,
    keep_none: bool = True,
) -> T:
    """``load()`` (which reads through ``conn``), or what it returned at the stamp that
    ``conn``'s snapshot shows. Callers return copies of mutable results. ``keep_none``
    False: a None (nothing found) is not kept, so lookups of keys that anyone may send
    (a token id) cannot fill the memory."""
    stamp = _stamp(conn)
    if stamp is _NOT_KEPT:
        return load()
    rows = _kept.get(stamp)
    if rows is not None:
        found = rows.get(what, _NOT_KEPT)
        if found is not _NOT_KEPT:
            return found  # type: ignore[no-any-return]
    value = load()
    if value is None and not keep_none:
        return value
    with _lock:
        rows = _kept.get(stamp)
        if rows is None:
            while len(_kept) >= _STAMPS:
                del _kept[next(iter(_kept))]
            rows = _kept[stamp] = {}
        rows[what] = value
    return value


def _stamp(conn: Connection) -> Any:
    """The stamp ``conn``'s read-only snapshot shows (read once per snapshot)."""
    own = getattr(conn, "reference_stamp", None)  # store.engine's driver snapshot
    if own is not None:
        if own is UNREAD_STAMP:
            own = conn.reference_stamp = _read_stamp(conn)  # type: ignore[attr-defined]
        return own
    if not conn.get_execution_options().get("readonly"):
        return _NOT_KEPT
    found = _stamp_of.get(conn)
    if found is None:
        found = _stamp_of[conn] = _read_stamp(conn)
    return found


def _read_stamp(conn: Connection) -> Any:
    stamp = read_meta(conn, STAMP_KEY)
    return _NOT_KEPT if stamp is None else stamp
