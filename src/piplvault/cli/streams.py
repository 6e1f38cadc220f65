"""Per-request standard streams for commands the server runs (issue 14).

The CLI writes to ``sys.stdout``/``sys.stderr`` and to the two consoles of ``cli.app``.
Inside ``piplvault serve`` each bridge request gets its own streams through a context
variable: the process's ``sys.std*`` are replaced once by routers that write to the current
request's streams (or to the real ones outside a request), so concurrent requests never see
each other's output and no request waits for another to give the streams back. The console
width and the progress sink (where a long command reports its steps) are per request too.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console, ConsoleDimensions


@dataclass(frozen=True, slots=True)
class RequestStreams:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    columns: int
    #: receives progress events of long commands (None: no one is listening)
    progress: Callable[[dict[str, Any]], None] | None = None


_CURRENT: ContextVar[RequestStreams | None] = ContextVar(
    "piplvault_request_streams", default=None
)
_INSTALL = threading.Lock()


class _Router:
    """Stands in for one of ``sys.stdin/stdout/stderr``: the request's stream, else the
    process's own."""

    def __init__(self, slot: str, fallback: TextIO) -> None:
        self._slot = slot
        self._fallback = fallback

    def _target(self) -> TextIO:
        streams = _CURRENT.get()
        if streams is None:
            return self._fallback
        target: TextIO = getattr(streams, self._slot)
        return target

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def readline(self, size: int = -1) -> str:
        return self._target().readline(size)

    def read(self, size: int = -1) -> str:
        return self._target().read(size)

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())

    @property
    def encoding(self) -> str:
        return getattr(self._target(), "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return getattr(self._target(), "errors", None) or "strict"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


def install() -> None:
    """Route ``sys.std*`` through the per-request streams (once; again if replaced)."""
    with _INSTALL:
        for slot in ("stdin", "stdout", "stderr"):
            current = getattr(sys, slot)
            if not isinstance(current, _Router):
                setattr(sys, slot, _Router(slot, current))


@contextmanager
def request_streams(streams: RequestStreams) -> Iterator[None]:
    """Within this block (this thread or task), the CLI reads and writes ``streams``."""
    install()
    token = _CURRENT.set(streams)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> RequestStreams | None:
    return _CURRENT.get()


def progress_sink() -> Callable[[dict[str, Any]], None] | None:
    """Where this request's progress events go, or None (not a streamed request)."""
    streams = _CURRENT.get()
    return None if streams is None else streams.progress


class RoutedConsole(Console):
    """A rich Console as wide as the current request's client terminal (else as usual).

    Its file is already per request: a console without a file writes to ``sys.stdout`` or
    ``sys.stderr`` at each call, which `install` routes."""

    @property
    def size(self) -> ConsoleDimensions:
        streams = _CURRENT.get()
        own = Console.size.fget(self)  # type: ignore[attr-defined]
        if streams is None:
            return own  # type: ignore[no-any-return]
        return ConsoleDimensions(streams.columns, own.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]
