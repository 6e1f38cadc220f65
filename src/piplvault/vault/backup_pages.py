"""The page layout of a SQLite vault's backup (format 3): the database file, slice by slice.

Records, in order (each sealed under the backup key B as one frame)::

    M  the page map (JSON): page size and count, the b-trees left out, the b-trees sealed
    P  the pages of the sealed b-trees in the slice that follows, sealed again under the
       backup-epoch key E (``customer_keys``: the wrapped customer data keys)
    I  a slice of the database file, the pages left out or sealed apart zeroed in it
    Z  the end

The epoch key store (``backup_epochs``) is left out: no backup ever holds an epoch key.
Restore writes the slices as the staging file, puts the sealed pages back when E is
available, and rebuilds what is missing as empty b-trees
(:func:`piplvault.store.sqlite_pages.empty_btrees`): ``backup_epochs`` always,
``customer_keys`` too when E was destroyed, and then every customer is crypto-erased.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from piplvault.crypto.aead import Sealer
from piplvault.errors import IntegrityError
from piplvault.io.private_files import open_private_direct
from piplvault.store import sqlite_pages
from piplvault.store.engine import Connection
from piplvault.store.sqlite_pages import Btree, DatabaseFile
from piplvault.vault.backup_format import chunk_aad

#: Pages per ``I`` record (8 MiB of 4 KiB pages): the per-frame costs vanish.
PAGES_PER_SLICE = 2048
_PAGES = "pages"


@dataclass(frozen=True, slots=True)
class PagePlan:
    """What a page-layout backup copies: the file, the b-trees it leaves out and the
    b-trees it seals apart."""

    source: DatabaseFile
    left_out: list[Btree]
    sealed: list[Btree]

    @property
    def frames(self) -> int:
        """Frames the backup will have: M, the slices, one P per slice holding sealed
        pages, Z."""
        slices = -(-self.source.page_count // PAGES_PER_SLICE)
        with_keys = {(p - 1) // PAGES_PER_SLICE for t in self.sealed for p in t.pages}
        return 1 + slices + len(with_keys) + 1


def plan_pages(
    conn: Connection, *, left_out: frozenset[str], sealed: frozenset[str]
) -> PagePlan | None:
    """The plan of a page-layout backup of ``conn``'s vault, or None when its file cannot
    be copied page by page (see :func:`piplvault.store.sqlite_pages.checkpointed_file`),
    or its SQLite cannot say which pages are whose (no ``dbstat``)."""
    source = sqlite_pages.checkpointed_file(conn)
    if source is None:
        return None
    try:
        return PagePlan(
            source=source,
            left_out=sqlite_pages.btrees_of(conn, left_out),
            sealed=sqlite_pages.btrees_of(conn, sealed),
        )
    except sqlite3.OperationalError:  # a SQLite built without the dbstat table
        return None


def page_records(
    plan: PagePlan, *, epoch: Sealer, backup_id: str
) -> Iterator[bytes | memoryview]:
    """The records of the page layout (see the module doc), ending with ``Z``."""
    source, dropped, apart = plan.source, plan.left_out, plan.sealed
    page_map = {
        "page_size": source.page_size,
        "page_count": source.page_count,
        "left_out": [t.to_dict() for t in dropped],
        "sealed": [t.to_dict() for t in apart],
    }
    yield b"M" + json.dumps(page_map).encode()
    slices = sqlite_pages.read_slices(
        source,
        PAGES_PER_SLICE,
        left_out=(p for t in dropped for p in t.pages),
        set_aside=(p for t in apart for p in t.pages),
        lead=b"I",
    )
    for chunk_no, (image, pages) in enumerate(slices):
        if pages:  # before its slice: a restore puts the pages back in memory
            aad = chunk_aad(backup_id, _PAGES, chunk_no)
            yield b"P" + epoch.seal(sqlite_pages.pack_pages(pages), aad)
        yield image
    yield b"Z"


def stage_pages(
    staging: Path,
    page_map_record: memoryview,
    records: Iterator[tuple[bytes, memoryview]],
    *,
    epoch_key: bytes | None,
    backup_id: str,
) -> None:
    """Write the staging database file from the page layout's records (after ``M``)."""
    page_map = _page_map(bytes(page_map_record))
    size, count = page_map.page_size, page_map.page_count
    epoch = Sealer(epoch_key) if epoch_key is not None else None
    written, chunk_no = 0, 0
    pages: list[tuple[int, bytes]] = []
    with open_private_direct(staging) as out:
        for kind, payload in records:
            if kind == b"P" and not pages:
                if epoch is not None:  # else the data keys stay sealed: all are erased
                    opened = epoch.open(
                        bytes(payload),
                        chunk_aad(backup_id, _PAGES, chunk_no),
                        what="backup key-store pages",
                    )
                    pages = sqlite_pages.unpack_pages(opened, size)
            elif kind == b"I":
                if len(payload) % size or written + len(payload) > size * count:
                    raise IntegrityError("backup database slice is malformed")
                sqlite_pages.put_pages(payload, written // size + 1, size, pages)
                out.write(payload)
                written += len(payload)
                chunk_no += 1
                pages = []
            elif kind == b"Z":
                if written != size * count or pages:
                    raise IntegrityError("backup ends inside its database (truncated)")
                break
            else:
                raise IntegrityError("backup holds a record out of place (damaged)")
        else:
            raise IntegrityError("backup ends without its final record (truncated)")
    empty = page_map.left_out + (page_map.sealed if epoch is None else [])
    sqlite_pages.empty_btrees(staging, empty)


@dataclass(frozen=True, slots=True)
class PageMap:
    """The ``M`` record: the file's geometry and the b-trees left out and sealed apart."""

    page_size: int
    page_count: int
    left_out: list[Btree]
    sealed: list[Btree]


def _page_map(record: bytes) -> PageMap:
    try:
        data = json.loads(record)
        page_map = PageMap(
            page_size=int(data["page_size"]),
            page_count=int(data["page_count"]),
            left_out=[Btree.from_dict(t) for t in data["left_out"]],
            sealed=[Btree.from_dict(t) for t in data["sealed"]],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError("backup page map is malformed") from exc
    trees = page_map.left_out + page_map.sealed
    if any(max(t.pages) > page_map.page_count for t in trees):
        raise IntegrityError("backup page map points past its database (damaged)")
    return page_map


def page_layout_counts(
    tables: dict[str, int], *, epoch_key: bytes | None, sealed_table: str
) -> dict[str, int]:
    """The rows a page-layout restore brought back: the manifest's counts, less the
    sealed table when its epoch key is gone."""
    return {**tables, **({sealed_table: 0} if epoch_key is None else {})}
