"""A SQLite vault's database file, page by page: what a backup copies and a restore rebuilds.

A backup of a SQLite vault copies the database file itself, in slices, rather than
rebuilding it through SQLite (``sqlite3.serialize`` ran at 0.3 GB/s; the file reads at
page-cache speed). Three things make that correct:

* :func:`checkpointed_file`: inside the backup's write transaction (so no one commits), a
  passive checkpoint on a side connection folds every committed WAL frame into the file,
  so the file holds exactly the snapshot the transaction sees. When a lagging reader keeps
  a frame in the WAL, the answer is None and the backup takes its slower path.
* :func:`btrees_of`: which pages belong to the b-trees of some tables (``dbstat``), so a
  backup can leave them out of the copy (the epoch key store) or seal them apart (the
  wrapped customer data keys).
* :func:`empty_btrees`: on a restore's staging file, before SQLite opens it, a b-tree
  whose pages were left out becomes an empty b-tree again: its root an empty leaf page, its
  other pages on the freelist, exactly as SQLite's file format defines them
  (https://www.sqlite.org/fileformat2.html, sections 1.3-1.6).
"""

from __future__ import annotations

import os
import sqlite3
import struct
import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from piplvault.errors import IntegrityError

#: How long a backup waits for lagging readers to let the WAL be checkpointed.
CHECKPOINT_PATIENCE_S = 2.0
_HEADER = 100
_U32 = struct.Struct(">I")
_TABLE_LEAF, _INDEX_LEAF = 0x0D, 0x0A


@dataclass(frozen=True, slots=True)
class Btree:
    """One b-tree of the file: its name, root page, kind, and every page it is made of
    (root, interior, leaf and overflow pages)."""

    name: str
    root: int
    is_index: bool
    pages: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root": self.root,
            "index": self.is_index,
            "pages": list(self.pages),
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Btree:
        try:
            pages = tuple(int(p) for p in data["pages"])
            root = int(data["root"])
            if root not in pages or min(pages) < 2:
                raise ValueError("root")
            return Btree(str(data["name"]), root, bool(data["index"]), pages)
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError("backup page map is malformed") from exc


@dataclass(frozen=True, slots=True)
class DatabaseFile:
    """A checkpointed database file and its geometry in the snapshot being copied."""

    path: Path
    page_size: int
    page_count: int


def checkpointed_file(conn: Connection) -> DatabaseFile | None:
    """The file of ``conn``'s SQLite database once it holds exactly what ``conn`` sees.

    ``conn`` must be in a write transaction (BEGIN IMMEDIATE) that has written nothing
    yet: no one can commit meanwhile, and a checkpoint only copies committed frames. None
    on PostgreSQL, for an in-memory database, or when readers kept the WAL from being
    fully copied within :data:`CHECKPOINT_PATIENCE_S`."""
    if conn.dialect.name != "sqlite":
        return None
    driver: Any = conn.connection.driver_connection
    files = {name: file for _seq, name, file in driver.execute("PRAGMA database_list")}
    if not files.get("main"):
        return None
    path = Path(files["main"])
    (page_size,) = driver.execute("PRAGMA page_size").fetchone()
    (page_count,) = driver.execute("PRAGMA page_count").fetchone()
    side = sqlite3.connect(path, timeout=1.0, isolation_level=None)
    try:
        deadline = time.monotonic() + CHECKPOINT_PATIENCE_S
        while True:
            _busy, log, copied = side.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
            if log == copied:
                break
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)
    finally:
        side.close()
    if path.stat().st_size < page_count * page_size:
        return None
    return DatabaseFile(path=path, page_size=int(page_size), page_count=int(page_count))


def btrees_of(conn: Connection, tables: Iterable[str]) -> list[Btree]:
    """Every b-tree (table and its indexes) of ``tables``, with its pages, as ``conn``
    sees them."""
    driver: Any = conn.connection.driver_connection
    wanted = sorted(set(tables))
    marks = ", ".join("?" for _ in wanted)
    kinds = {
        name: kind == "index"
        for name, kind in driver.execute(
            f"SELECT name, type FROM sqlite_schema WHERE tbl_name IN ({marks}) "  # noqa: S608
            "AND rootpage > 0",
            wanted,
        )
    }
    out = []
    for name in sorted(kinds):
        rows = driver.execute(
            "SELECT pageno, path FROM dbstat WHERE name = ?", (name,)
        ).fetchall()
        root = next(int(p) for p, where in rows if where == "/")
        out.append(
            Btree(name, root, kinds[name], tuple(sorted(int(p) for p, _ in rows)))
        )
    return out


def read_slices(
    source: DatabaseFile,
    pages_per_slice: int,
    *,
    left_out: Iterable[int],
    set_aside: Iterable[int],
    lead: bytes = b"",
) -> Iterator[tuple[memoryview, list[tuple[int, bytes]]]]:
    """The file in slices of ``pages_per_slice`` pages, each with the pages ``left_out``
    and ``set_aside`` zeroed in it and ``lead`` before it; the pages ``set_aside`` come with
    their slice as ``(page number, content)``. The slices are read into one reused buffer:
    a slice's view is valid until the next is taken."""
    size = source.page_size
    blank = bytes(size)
    aside = frozenset(set_aside)
    omitted = sorted(set(left_out) | aside)
    buffer = bytearray(lead + bytes(pages_per_slice * size))
    fd = os.open(source.path, os.O_RDONLY)
    try:
        for first in range(1, source.page_count + 1, pages_per_slice):
            count = min(pages_per_slice, source.page_count - first + 1)
            record = memoryview(buffer)[: len(lead) + count * size]
            view = record[len(lead) :]
            if os.preadv(fd, [view], (first - 1) * size) != len(view):
                raise IntegrityError(f"{source.path} shrank while it was backed up")
            extracted = []
            i = bisect_left(omitted, first)
            while i < len(omitted) and omitted[i] < first + count:
                page = omitted[i]
                at = (page - first) * size
                if page in aside:
                    extracted.append((page, bytes(view[at : at + size])))
                view[at : at + size] = blank
                i += 1
            yield record, extracted
            view.release()
            record.release()
    finally:
        os.close(fd)


def pack_pages(pages: Sequence[tuple[int, bytes]]) -> bytes:
    """Pages set aside, as one byte string: u32 count, the page numbers, the contents."""
    numbers = struct.pack(f"<I{len(pages)}I", len(pages), *(n for n, _ in pages))
    return numbers + b"".join(content for _, content in pages)


def unpack_pages(data: bytes, page_size: int) -> list[tuple[int, bytes]]:
    try:
        (count,) = struct.unpack_from("<I", data, 0)
        numbers = struct.unpack_from(f"<{count}I", data, 4)
    except struct.error as exc:
        raise IntegrityError("backup page record is malformed") from exc
    base = 4 + 4 * count
    if len(data) != base + count * page_size or min(numbers, default=2) < 2:
        raise IntegrityError("backup page record is malformed")
    return [
        (n, data[base + i * page_size : base + (i + 1) * page_size])
        for i, n in enumerate(numbers)
    ]


def put_pages(
    image: memoryview, first: int, page_size: int, pages: Iterable[tuple[int, bytes]]
) -> None:
    """Put ``pages`` back at their places in ``image``, a slice of the file that starts
    at page ``first``; IntegrityError for a page outside it."""
    for number, content in pages:
        at = (number - first) * page_size
        if number < first or at + page_size > len(image):
            raise IntegrityError(
                "backup page record points outside its slice (damaged)"
            )
        image[at : at + page_size] = content


def empty_btrees(path: Path, btrees: Sequence[Btree]) -> None:
    """Make each of ``btrees`` an empty b-tree in the (closed) database file ``path``:
    its root page an empty leaf, every other page of it a freelist page (zeroed)."""
    if not btrees:
        return
    with path.open("r+b") as f:
        header = bytearray(f.read(_HEADER))
        if len(header) != _HEADER or not header.startswith(b"SQLite format 3\x00"):
            raise IntegrityError(f"{path}: not a SQLite database image")
        (raw_size,) = struct.unpack_from(">H", header, 16)
        page_size = 65536 if raw_size == 1 else raw_size
        usable = page_size - header[20]
        for tree in btrees:
            leaf = bytearray(page_size)
            leaf[0] = _INDEX_LEAF if tree.is_index else _TABLE_LEAF
            struct.pack_into(">H", leaf, 5, usable % 65536)  # empty cell content area
            f.seek((tree.root - 1) * page_size)
            f.write(leaf)
        freed = sorted({p for t in btrees for p in t.pages if p != t.root})
        (first_trunk,) = _U32.unpack_from(header, 32)
        (free_count,) = _U32.unpack_from(header, 36)
        per_trunk = usable // 4 - 8  # SQLite leaves the last six slots unused
        groups = [
            freed[i : i + per_trunk + 1] for i in range(0, len(freed), per_trunk + 1)
        ]
        for n, group in enumerate(groups):
            trunk, leaves = group[0], group[1:]
            following = groups[n + 1][0] if n + 1 < len(groups) else first_trunk
            page = bytearray(page_size)
            struct.pack_into(
                f">II{len(leaves)}I", page, 0, following, len(leaves), *leaves
            )
            f.seek((trunk - 1) * page_size)
            f.write(page)
            for leaf_page in leaves:
                f.seek((leaf_page - 1) * page_size)
                f.write(bytes(page_size))
        if groups:
            _U32.pack_into(header, 32, groups[0][0])
            _U32.pack_into(header, 36, free_count + len(freed))
        f.seek(0)
        f.write(header)
        f.flush()
        os.fsync(f.fileno())
