"""``piplvault serve --workers N``: several API processes that share one unsealed vault
(issue 11).

One Python process runs one request's Python at a time (the GIL), so a server on two cores
answers at most one core's worth of reads. With ``--workers N`` the owner's process unseals
the vault once, binds the listening socket, and *forks* N workers: each inherits the
unwrapped keys (copy-on-write memory, nothing written anywhere) and accepts connections on
the shared socket. The parent answers no request: it is the workers' one audit writer.

- **One audit writer, one audit chain.** Each worker sends its reads' audit entries to the
  parent over its own socket pair; the parent appends what all workers sent in one
  transaction and tells each worker when its entries are durable
  (``vault/audit_writer.py``). Every other write a worker makes is its own database
  transaction; all of them take the database's write lock first (SQLite ``BEGIN
  IMMEDIATE``, PostgreSQL ``SELECT … FOR UPDATE`` on the audit head row), so every entry
  is in one chain, in commit order.
- **Sealing reaches every worker at once.** ``POST /api/v1/seal`` in one worker sets a flag
  in a shared memory page that every worker checks at the door of every request (so the
  very next request anywhere gets 503), and signals the parent, which tells every worker
  (and itself) to drop its keys now.
- **Stopping.** SIGTERM or Ctrl-C to the parent stops the workers (each finishes its
  requests; every answered read already had its audit entry durable); a worker that dies
  stops the others: the server does not run on with fewer processes than it was asked for.
  A parent that dies leaves no worker answering: their reads fail (no audit writer) and
  they stop.
- **The web console is left out** with several workers: its login sessions live in one
  process's memory. Use ``--workers 1`` (the default) for the console.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import mmap
import os
import signal
import socket as socketlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

    from piplvault.vault.service import Vault


class SealSwitch:
    """A one-byte flag in memory shared by the forked workers: set = sealed everywhere."""

    def __init__(self) -> None:
        self._page = mmap.mmap(-1, mmap.PAGESIZE)  # anonymous, shared across fork
        self._parent = os.getpid()

    def is_set(self) -> bool:
        return self._page[0] == 1

    def set(self) -> None:
        """Seal every worker: the flag now, the keys at the parent's signal."""
        self._page[0] = 1
        if os.getpid() != self._parent:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._parent, signal.SIGUSR1)


def settle_heap() -> None:
    """Leave the objects of startup (imported modules, the app, the unsealed vault) out
    of every later garbage collection: collect once now, then ``gc.freeze()``.

    A full collection walks every object the process tracks: ~140,000 after startup,
    50–150 ms each on the bench machine. The first few came within seconds of the first
    requests (the heap grows with them) and in each process: the audit writer's stopped
    every read for that long, and the first seconds of a 500 requests/s load had a p99
    of 45–97 ms, 9 ms once they were past (issue 11; bench/results/api.md).
    Frozen objects are still freed by reference counting; only cycles among them are
    never collected (startup's own, a bounded amount). Called before forking, so the
    workers inherit the frozen heap and their collections leave its pages unwritten
    (copy-on-write memory stays shared), as the ``gc.freeze`` documentation advises."""
    from piplvault import discovery

    discovery.all_recognizers()  # the masking's validators: import them now, not mid-load
    gc.collect()
    gc.freeze()


def default_workers() -> int:
    """One worker: the web console keeps its sessions in one process."""
    return 1


def run_workers(
    vault: Vault,
    make_server: Callable[[], uvicorn.Server],
    listener: socketlib.socket,
    workers: int,
    switch: SealSwitch,
) -> None:
    """Fork ``workers`` processes serving ``listener`` and be their audit writer; return
    when they have all stopped (SIGTERM/SIGINT to this process, or one of them died)."""
    from piplvault.api.handoff import Dealer
    from piplvault.api.timeslice import ask_short_slice
    from piplvault.vault.audit_writer import AuditWriter

    vault.engine.dispose()  # no database connection crosses a fork
    pairs = [socketlib.socketpair() for _ in range(workers)]
    #: the connections the parent accepts, handed to each worker in turn (api/handoff)
    hands = [
        socketlib.socketpair(socketlib.AF_UNIX, socketlib.SOCK_DGRAM)
        for _ in range(workers)
    ]
    children: list[int] = []
    stopping = [False]

    def stop_all(*_: Any) -> None:
        stopping[0] = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def seal_all(*_: Any) -> None:
        switch.set()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGUSR1)
        vault.keyring.wipe()

    previous = {s: signal.signal(s, stop_all) for s in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, seal_all)
    writer: AuditWriter | None = None
    try:
        parent = os.getpid()
        for number in range(workers):
            pid = os.fork()
            if pid == 0:  # pragma: no cover  (the worker; measured by the server tests)
                listener.close()  # the parent accepts; this worker is handed connections
                for other, (ours, theirs) in enumerate([*pairs, *hands]):
                    ours.close()
                    if other % workers != number:
                        theirs.close()
                os._exit(
                    _worker(
                        vault, make_server, pairs[number][1], hands[number][1], parent
                    )
                )
            children.append(pid)
        for _, theirs in [*pairs, *hands]:
            theirs.close()
        writer = AuditWriter(vault, [ours for ours, _ in pairs])
        ask_short_slice()  # every read waits for this loop (api/timeslice.py)
        dealer = Dealer(
            listener,
            [ours for ours, _ in hands],
            backlog=make_server().config.backlog,
        )
        writer.watch(listener, dealer.accept_waiting)
        while children:
            writer.run_once(timeout=0.2)
            _reap(children, stopping[0], stop_all)
    finally:
        if writer is not None:
            writer.close()
        for s, handler in previous.items():
            signal.signal(s, handler)


def _reap(children: list[int], stopping: bool, stop_all: Callable[[], None]) -> None:
    """Collect the workers that stopped; one that stopped on its own stops the others."""
    while children:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        if pid in children:
            children.remove(pid)
            if not stopping:
                sys.stderr.write(
                    f"piplvault serve: 工作进程 {pid} 已退出 worker {pid} stopped; "
                    "stopping the others\n"
                )
                stop_all()
                stopping = True


#: Linux ``prctl`` option: a signal for this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _stop_with(parent: int) -> None:
    """A worker gets SIGTERM when the parent dies (Linux), even a SIGKILLed parent: no
    worker goes on holding the keys, or answering reads with no audit writer."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _worker(
    vault: Vault,
    make_server: Callable[[], uvicorn.Server],
    writer: socketlib.socket,
    handoff: socketlib.socket,
    parent: int,
) -> int:
    """One worker process: its own database connections and group committer, the shared
    keys, its socket to the parent (the audit writer of its reads) and the socket the
    parent hands it connections on."""
    from piplvault.api.handoff import serve_handed
    from piplvault.vault.audit_writer import AuditWriterClient

    try:
        os.setpgid(0, 0)  # a terminal's Ctrl-C reaches the parent, which stops us once
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, signal.SIG_DFL)  # uvicorn installs its own in run()
        _stop_with(parent)
        signal.signal(signal.SIGUSR1, lambda *_: vault.keyring.wipe())
        vault.start_group_commit()
        vault.audit_writer = AuditWriterClient(writer)
        serve_handed(make_server().config, handoff)
        return 0
    except BaseException:  # noqa: BLE001  a worker never returns into the parent's code
        import traceback

        traceback.print_exc()
        return 1
    finally:
        with contextlib.suppress(BaseException):
            vault.seal()
