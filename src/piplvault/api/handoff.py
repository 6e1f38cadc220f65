"""``serve --workers N``: the parent accepts every connection and hands it to the next
worker in turn (issue 11).

When the workers accepted on the shared socket themselves, the kernel woke whichever was
idle first, and a burst of keep-alive clients split unevenly: 16 connections opened
together went 13 / 3, 15 / 1 or 11 / 5 to two workers (measured on the 2-core machine).
One worker then had most of the load and its queue grew while the other idled. Now the
parent — already the workers' audit writer, one loop over its sockets — accepts, and sends
each connection's file descriptor to the workers in turn over a datagram socket pair
(``SCM_RIGHTS``); each worker serves what it is handed with uvicorn's own HTTP protocol,
as if it had accepted it. Node.js's cluster module does the same for the same reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

#: What one receive takes: each datagram carries one connection (a byte and its fd).
_BATCH = 64
#: Seconds the parent stops accepting after an error such as EMFILE (the listener stays
#: readable, and would otherwise be spun on); queued clients wait, none is refused.
_REST = 0.1


class Dealer:
    """The parent's end: accept what is waiting, hand each to the next worker."""

    def __init__(
        self, listener: socket.socket, workers: list[socket.socket], *, backlog: int
    ) -> None:
        listener.listen(backlog)  # uvicorn's bind_socket leaves listening to the server
        listener.setblocking(False)
        self.listener = listener
        self._workers = workers
        self._next = 0

    def accept_waiting(self) -> float:
        """Hand every connection waiting; the seconds to rest after an error (0: none)."""
        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return 0.0
            except ConnectionAbortedError:  # the client gave up while queued
                continue
            except OSError:  # out of file descriptors or memory: the clients wait
                return _REST
            with conn:
                self._hand(conn)

    def _hand(self, conn: socket.socket) -> None:
        for _ in range(len(self._workers)):
            worker = self._workers[self._next]
            self._next = (self._next + 1) % len(self._workers)
            with contextlib.suppress(OSError):  # that worker is gone: try the next
                socket.send_fds(worker, [b"c"], [conn.fileno()])
                return


def serve_handed(config: Any, handoff: socket.socket) -> None:
    """Run uvicorn on ``config`` for the connections the parent hands this worker."""
    _handed_server_class()(config, handoff).run(sockets=[])


def _handed_server_class() -> Callable[[Any, socket.socket], uvicorn.Server]:
    import uvicorn

    class HandedServer(uvicorn.Server):
        """A uvicorn server with no listening socket of its own: its connections come
        from the parent, and are served by uvicorn's own protocol for this config."""

        def __init__(self, config: Any, handoff: socket.socket) -> None:
            super().__init__(config)
            handoff.setblocking(False)
            self._handoff = handoff

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=[])
            loop = asyncio.get_running_loop()
            loop.add_reader(self._handoff.fileno(), self._receive, loop)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._handoff.fileno())
            await super().shutdown(sockets=sockets)

        def _protocol(self) -> asyncio.Protocol:
            config = self.config
            protocol: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
            )
            return protocol

        def _receive(self, loop: asyncio.AbstractEventLoop) -> None:
            try:
                data, fds, _, _ = socket.recv_fds(self._handoff, _BATCH, _BATCH)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data and not fds:  # the parent is gone (it also signals us)
                loop.remove_reader(self._handoff.fileno())
                return
            for fd in fds:
                conn = socket.socket(fileno=fd)
                conn.setblocking(False)
                loop.create_task(loop.connect_accepted_socket(self._protocol, conn))

    return HandedServer
