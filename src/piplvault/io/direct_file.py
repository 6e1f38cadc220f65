"""Write a large file with direct I/O: aligned blocks straight to the disk, past the page cache.

Backups and restores write files of the database's size. Through the page cache every new
page must first be allocated, and on the virtual machines piplvault runs on that cost more
than encrypting the data: a 1.5 GB buffered write took 3.3-5.9 s, the same write with
``O_DIRECT`` 1.2-1.4 s, and copying the file 1.3-1.9 s (measured 2026-11-30, see
bench/results/backup_restore.md). :class:`DirectFile` gathers what is written in one
page-aligned buffer (``mmap``), hands each full buffer to a writer thread while the caller
fills a second one, and writes the unaligned tail without ``O_DIRECT`` at the end. Where the
file system refuses direct I/O, the same blocks go through the page cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import threading
from typing import Any

#: Direct I/O wants buffers, offsets and lengths aligned to the device's logical block.
ALIGN = 4096
BUFFER_BYTES = 16 << 20
O_DIRECT: int = getattr(os, "O_DIRECT", 0)


def open_flags_direct(flags: int) -> int:
    """``flags`` with ``O_DIRECT`` where the platform has it."""
    return flags | O_DIRECT


class DirectFile:
    """Sequential writes to ``fd`` in aligned blocks, one block write in flight at a time.

    ``fd`` may or may not have ``O_DIRECT``; call :meth:`close` (or leave the ``with``)
    before fsyncing or closing the descriptor."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffers = [mmap.mmap(-1, BUFFER_BYTES), mmap.mmap(-1, BUFFER_BYTES)]
        self._current = 0
        self._fill = 0
        self._done = threading.Event()
        self._done.set()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> DirectFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.close()
        else:
            self._wait()
            self._release()

    def write(self, data: Any) -> int:
        """Copy ``data`` (any bytes-like object) into the file; returns its length."""
        view = memoryview(data).cast("B")
        total, pos = len(view), 0
        while pos < total:
            buffer = self._buffers[self._current]
            n = min(total - pos, BUFFER_BYTES - self._fill)
            buffer[self._fill : self._fill + n] = view[pos : pos + n]
            self._fill += n
            pos += n
            if self._fill == BUFFER_BYTES:
                self._hand_over()
        return total

    def close(self) -> None:
        """Write what is left: the aligned part directly, the tail through the cache."""
        try:
            self._wait()
            buffer = memoryview(self._buffers[self._current])[: self._fill]
            aligned = self._fill - self._fill % ALIGN
            if aligned:
                _write_all(self._fd, buffer[:aligned])
            if aligned < self._fill:
                _without_direct(self._fd)
                _write_all(self._fd, buffer[aligned:])
            buffer.release()
            self._fill = 0
        finally:
            self._release()

    def _hand_over(self) -> None:
        self._wait()
        full = self._buffers[self._current]
        self._done.clear()
        self._thread = threading.Thread(
            target=self._write_block, args=(full,), name="direct-write", daemon=True
        )
        self._thread.start()
        self._current ^= 1
        self._fill = 0

    def _write_block(self, block: mmap.mmap) -> None:
        try:
            _write_all(self._fd, memoryview(block))
        except BaseException as exc:  # noqa: BLE001  raised again in the caller's thread
            self._error = exc
        finally:
            self._done.set()

    def _wait(self) -> None:
        self._done.wait()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _release(self) -> None:
        for buffer in self._buffers:
            with contextlib.suppress(BufferError):
                buffer.close()


def _write_all(fd: int, data: memoryview) -> None:
    pos = 0
    while pos < len(data):
        try:
            pos += os.write(fd, data[pos:])
        except OSError as exc:
            # a file system that takes O_DIRECT at open but not for this write
            if exc.errno != 22 or not _without_direct(fd):  # EINVAL
                raise


def _without_direct(fd: int) -> bool:
    """Turn ``O_DIRECT`` off on ``fd``; False if it was not on."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    if not flags & O_DIRECT:
        return False
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~O_DIRECT)
    return True
