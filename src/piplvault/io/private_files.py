"""Every file piplvault writes goes through here (issue 10, attacks 7, 8 and 16).

- ``write_private``: the bytes land in a private temp file opened with
  ``O_CREAT|O_EXCL|O_NOFOLLOW`` and mode 0600 beside the target, are fsynced, then renamed
  over the target. A pre-planted ``letters.html.tmp -> victim`` symlink is never followed
  (the temp name is random and exclusive), and a reader never sees half a file.
- ``open_private``: the same for writers that stream (backups): a context manager giving a
  binary file; renamed into place only when the block finishes without error.
- ``overwrite_private``: a small fixed-size file rewritten in place (the audit head file,
  after every commit): only an existing regular 0600 file of ours, with one link and the
  same size, is written — one ``pwrite`` and one ``fdatasync`` instead of a temp file, a
  rename and a directory sync. Anything else is left to ``write_private``.
- ``make_private_dir``: directories are created 0700.
- ``clean_stale_temps``: temp files left by a killed process are removed on the next start.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from piplvault.io.direct_file import DirectFile, open_flags_direct

#: Every temp file is named ``.<target name>.<random>.piplvault-tmp``.
TEMP_SUFFIX = ".piplvault-tmp"
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
#: Files 0600, directories 0700: set once for the whole process (``cli.main``).
PRIVATE_UMASK = 0o077


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 directories; an existing one is kept."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def open_private(path: Path) -> Iterator[BinaryIO]:
    """Stream into a private exclusive temp file renamed over ``path`` on success."""
    with _replacing(path, lambda temp: os.open(temp, _FLAGS, 0o600)) as fd:
        with os.fdopen(fd, "wb", closefd=False) as out:
            yield out


@contextlib.contextmanager
def open_private_direct(path: Path) -> Iterator[DirectFile]:
    """:func:`open_private` for files of the database's size (backups, restores): the
    same private temp file and rename, written with direct I/O
    (:mod:`piplvault.io.direct_file`) where the file system takes it."""
    with _replacing(path, _open_direct) as fd, DirectFile(fd) as out:
        yield out


@contextlib.contextmanager
def _replacing(path: Path, open_temp: Callable[[Path], int]) -> Iterator[int]:
    """A private exclusive temp file beside ``path``, opened by ``open_temp``: fsynced,
    closed and renamed over ``path`` when the block ends without error, removed if not."""
    make_private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
    fd = open_temp(temp)
    try:
        try:
            yield fd
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_dir(path.parent)


def _open_direct(temp: Path) -> int:
    try:
        return os.open(temp, open_flags_direct(_FLAGS), 0o600)
    except OSError as exc:  # a file system without direct I/O: through the cache
        if exc.errno != errno.EINVAL:
            raise
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()  # Linux creates the file before it refuses O_DIRECT
        return os.open(temp, _FLAGS, 0o600)


def write_private(path: Path, data: bytes | str) -> Path:
    """Atomically write ``data`` (str as UTF-8) to ``path`` as a 0600 file."""
    with open_private(path) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def overwrite_private(path: Path, data: bytes) -> bool:
    """Rewrite ``path`` in place with ``data`` and sync it, if ``path`` is a regular file
    of this user, mode 0600 or stricter, with one link and exactly ``len(data)`` bytes.
    False (nothing written) for anything else: a missing file, a symlink (never
    followed), a hard link to another file, another owner, mode or size.

    One write of at most one disk sector (512 bytes) at offset 0 either lands whole or
    not at all on the disks piplvault runs on; a reader that must never see a write
    half-done holds the writer's lock (``audit.anchor``)."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_size != len(data)
            or info.st_nlink != 1
            or info.st_uid != os.geteuid()
            or info.st_mode & 0o077
        ):
            return False
        if os.pwrite(fd, data, 0) != len(data):
            return False  # the caller replaces the file whole
        os.fdatasync(fd)
        return True
    finally:
        os.close(fd)


def clean_stale_temps(directory: Path, *, idle_seconds: float = 900) -> list[Path]:
    """Remove temp files (ours and legacy ``.partial``/``.tmp`` ones) that a killed process
    left in ``directory`` — only those untouched for ``idle_seconds``, so a write still in
    progress in another process is never pulled from under it. Returns what was removed."""
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    cutoff = time.time() - idle_seconds
    for entry in directory.iterdir():
        if not entry.name.endswith((TEMP_SUFFIX, ".partial", ".tmp")):
            continue
        with contextlib.suppress(OSError):
            info = entry.lstat()
            if stat.S_ISDIR(info.st_mode) or info.st_mtime > cutoff:
                continue
            entry.unlink()
            removed.append(entry)
    return removed


#: Where piplvault itself writes inside a vault directory.
HOME_OUTPUT_DIRS = ("", "certificates", "reports", "packages", "backups")


def clean_vault_home(home: Path) -> list[Path]:
    """``clean_stale_temps`` over the vault directory and its output folders."""
    return [p for sub in HOME_OUTPUT_DIRS for p in clean_stale_temps(home / sub)]


def _sync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
