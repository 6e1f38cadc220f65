"""One audit writer for every worker of ``piplvault serve --workers N`` (issue 11).

Each worker used to append its reads' audit entries through its own group committer: two
committers taking the database's write lock in turn, each paying a commit, a sync, a
signed checkpoint and a head-file publication for half the entries, each on a thread that
took the GIL from its own worker's requests. Now the parent process — it holds the same
unsealed keys, and otherwise only waited for its workers — is the one writer:

- a worker sends each read's entry over its own socket pair (``AuditWriterClient``) and
  answers the read only once the writer says the entry is durable ("no audit entry, no
  operation");
- the writer (``AuditWriter``) takes every entry waiting from every worker, appends them
  in one transaction, signs the head, commits (one sync), tells each worker which of its
  entries are durable, then publishes the head file once (``group_commit.commit_appends``
  and ``publish_all``, as one worker's group committer does);
- if that commit fails, every read of the group fails with ``AuditUnavailableError``; if
  the writer is gone (the parent died), every waiting read fails and the worker stops.

Everything else a worker writes (logins, use cases, PostgreSQL) still commits in the
worker's own transactions; all of them take the database's write lock, so every entry is
in one chain. Frames on the wire (``io/frames.py``): a 4-byte big-endian length, then
UTF-8 JSON — worker → writer ``{"n": number, "e": entry}``; writer → worker ``{"done": [numbers]}``
or ``{"failed": [numbers], "error": message}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import selectors
import signal
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from piplvault.audit.note import AuditEntryFields
from piplvault.errors import AuditUnavailableError
from piplvault.io.frames import Frames, frame
from piplvault.vault.group_commit import commit_appends, publish_all

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

#: Seconds the writer waits for a worker to take an answer (a worker that reads nothing
#: for this long is stuck; its reads time out rather than every worker's).
_SEND_PATIENCE = 10.0
_GONE = (
    "The audit writer (the server's main process) has stopped, so nothing can be "
    "audited: restart 'piplvault serve'"
)


class AuditWriterClient:
    """A worker's end: ``await append_async(entry)`` returns once the entry is durable."""

    def __init__(
        self, sock: socket.socket, *, on_gone: Callable[[], None] | None = None
    ) -> None:
        """``on_gone``: what to do once the writer is gone (default: stop this worker
        process; uvicorn finishes what it can, then stops)."""
        sock.setblocking(False)
        self._on_gone = on_gone or _stop_this_process
        self._sock = sock
        self._frames = Frames()
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._numbers = 0
        self._outbox = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gone = False

    async def append_async(self, entry: AuditEntryFields) -> None:
        if self._gone:
            raise AuditUnavailableError(_GONE)
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            loop.add_reader(self._sock.fileno(), self._on_readable)
        number = self._numbers = self._numbers + 1
        future: asyncio.Future[None] = loop.create_future()
        self._waiting[number] = future
        self._send(frame({"n": number, "e": entry}))
        # Awaited as it is, not shielded: the answer then wakes this read in the loop's
        # next step (a shield adds a step, and reads started meanwhile would go first).
        # A read cancelled while waiting cancels only its future, which the answer skips.
        await future

    def _send(self, data: bytes) -> None:
        """Send now what the socket takes; the rest when it is writable again (frames
        never interleave: one outbox, in order)."""
        if self._outbox:
            self._outbox += data
            return
        try:
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._writer_gone()
            return
        if sent < len(data) and self._loop is not None:
            self._outbox += data[sent:]
            self._loop.add_writer(self._sock.fileno(), self._flush)

    def _flush(self) -> None:
        try:
            sent = self._sock.send(self._outbox)
        except BlockingIOError:
            return
        except OSError:
            self._writer_gone()
            return
        del self._outbox[:sent]
        if not self._outbox and self._loop is not None:
            self._loop.remove_writer(self._sock.fileno())

    def settle(self) -> None:
        """Take the writer's answers already here, without waiting for the event loop to
        notice them: the reads they free are then woken before any read that starts
        after this call (``Vault.audited_read_async``)."""
        if self._loop is not None and not self._gone:
            self._on_readable()

    def _on_readable(self) -> None:
        try:
            data = self._sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._writer_gone()
            return
        for doc in self._frames.feed(data):
            error = doc.get("error")
            for number in doc.get("done", doc.get("failed", [])):
                future = self._waiting.pop(number, None)
                if future is None or future.done():  # the client went away
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(AuditUnavailableError(str(error)))

    def _writer_gone(self) -> None:
        """Fail closed: every waiting read fails, and this worker stops."""
        if self._gone:
            return
        self._gone = True
        if self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._loop.remove_writer(self._sock.fileno())
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(AuditUnavailableError(_GONE))
        self._waiting.clear()
        self._on_gone()


def _stop_this_process() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


class AuditWriter:
    """The parent's end: append what every worker sent, in one transaction per round."""

    def __init__(self, vault: Vault, socks: list[socket.socket]) -> None:
        self.vault = vault
        self._selector = selectors.DefaultSelector()
        #: watched sockets resting after an error: their handler, and until when
        self._resting: dict[socket.socket, tuple[Callable[[], float], float]] = {}
        for sock in socks:
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, Frames())

    def watch(self, sock: socket.socket, ready: Callable[[], float]) -> None:
        """Also call ``ready()`` when ``sock`` is readable (the parent's listening
        socket: one process, one loop). ``ready()`` returns for how many seconds not to
        watch ``sock`` (0: go on), so a socket that stays readable on an error (a
        listener out of file descriptors) is not spun on."""
        self._selector.register(sock, selectors.EVENT_READ, ready)

    def run_once(self, timeout: float) -> None:
        """Wait up to ``timeout`` for entries; append all that came, answer each worker."""
        timeout = self._wake_rested(timeout)
        waiting: list[tuple[socket.socket, int, AuditEntryFields]] = []
        for key, _ in self._selector.select(timeout):
            if not isinstance(key.data, Frames):
                self._rest(key.fileobj, key.data, key.data())  # type: ignore[arg-type]
                continue
            sock: socket.socket = key.fileobj  # type: ignore[assignment]
            for doc in self._receive(sock, key.data):
                waiting.append((sock, int(doc["n"]), doc["e"]))
        if not waiting:
            return
        vault = self.vault
        publications: list[Callable[[], None]] = []
        error = commit_appends(
            vault,
            [functools.partial(vault.record_entries, entries=[e for *_, e in waiting])],
            publications,
        )
        by_worker: dict[socket.socket, list[int]] = {}
        for sock, number, _ in waiting:
            by_worker.setdefault(sock, []).append(number)
        for sock, numbers in by_worker.items():
            answer = (
                {"done": numbers}
                if error is None
                else {"failed": numbers, "error": _message(error)}
            )
            with contextlib.suppress(OSError):  # a worker gone: the parent reaps it
                sock.settimeout(_SEND_PATIENCE)
                sock.sendall(frame(answer))
                sock.settimeout(0.0)
        publish_all(publications)

    def _rest(
        self, sock: socket.socket, ready: Callable[[], float], rest: float
    ) -> None:
        if rest > 0:
            self._selector.unregister(sock)
            self._resting[sock] = (ready, time.monotonic() + rest)

    def _wake_rested(self, timeout: float) -> float:
        """Watch again the sockets whose rest is over; the select timeout to use."""
        now = time.monotonic()
        for sock, (ready, until) in list(self._resting.items()):
            if until <= now:
                del self._resting[sock]
                self._selector.register(sock, selectors.EVENT_READ, ready)
        if not self._resting:
            return timeout
        return min(timeout, max(0.0, min(u for _, u in self._resting.values()) - now))

    def _receive(self, sock: socket.socket, frames: Frames) -> list[dict[str, Any]]:
        chunks = []
        while True:
            try:
                data = sock.recv(1 << 16)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:  # the worker is gone
                self._selector.unregister(sock)
                sock.close()
                break
            chunks.append(data)
        return frames.feed(b"".join(chunks)) if chunks else []

    def close(self) -> None:
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()


def _message(error: BaseException) -> str:
    message = getattr(error, "message", None)
    return str(message or error or type(error).__name__)
