"""Group commit: the short audited transactions of concurrent server requests, committed
together (issue 11).

Every customer read writes its audit entry and answers only once that entry is durable
("no audit entry, no operation"). One transaction per read pays one WAL sync, one signed
checkpoint and one published audit head per request, one request at a time (writers hold
the write lock). Here one committer thread takes every request waiting, runs each in its
own savepoint of one transaction, signs the head once, commits once (one sync), publishes
the head once, and only then answers each request — with its result, or its own error.

A request whose work is refused (a `VaultError`) is rolled back to its savepoint and its
refusal audited in the same transaction, as `Vault.write` does in its own. If the commit
fails, every request of the group gets the error: none answers without its durable entry.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from piplvault.errors import VaultError
from piplvault.store.database import storage_errors
from piplvault.store.engine import Connection

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

#: At most this many requests share one transaction.
MAX_GROUP = 64


@dataclass(slots=True)
class _Work:
    vault: Vault  # the requesting session (its actor audits the work)
    work: Callable[[Connection], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommitter:
    """One committer thread for a vault's grouped transactions."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._loop, name="piplvault-group-commit", daemon=True
        )
        self._thread.start()

    def run(self, vault: Vault, work: Callable[[Connection], Any]) -> Any:
        """Run ``work(conn)`` for ``vault``'s actor in the next group; its result once the
        group's commit is durable (or its error)."""
        item = _Work(vault, work)
        self._queue.put(item)
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result

    def stop(self) -> None:
        self._queue.put(None)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(item)
            try:
                self._commit(group)
            finally:
                for item in group:
                    item.done.set()

    def _commit(self, group: list[_Work]) -> None:
        vault = self.vault
        try:
            # a write the database refuses becomes AuditUnavailableError for every waiter
            with storage_errors(), vault.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    for item in group:
                        _run_in_savepoint(conn, item)
                    vault.sign_head(conn)
                except BaseException:
                    transaction.rollback()
                    raise
                transaction.commit()
            vault._publish_head()
        except BaseException as exc:  # noqa: BLE001  every waiter learns it, none hangs
            _fail(group, exc)


def _run_in_savepoint(conn: Connection, item: _Work) -> None:
    savepoint = conn.begin_nested()
    try:
        item.result = item.work(conn)
    except VaultError as refused:
        savepoint.rollback()
        item.error = refused
        item.vault.record_refusal(conn, refused)
        return
    except Exception as exc:  # noqa: BLE001  this request's bug, not the group's
        savepoint.rollback()
        item.error = exc
        return
    savepoint.commit()


def _fail(group: list[_Work], error: BaseException) -> None:
    for item in group:
        item.result, item.error = None, error
