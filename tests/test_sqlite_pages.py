"""The page-level pieces of a SQLite backup (store/sqlite_pages.py) against real SQLite: a
file copied in slices with some b-trees zeroed and rebuilt empty is a sound database with
every other row intact (R-NDS-9-1; reliability plan B1)."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piplvault.store import sqlite_pages
from piplvault.store.engine import make_engine, sqlite_url

_SCHEMA = (
    "CREATE TABLE keep (id INTEGER PRIMARY KEY, v BLOB, tag TEXT UNIQUE)",
    "CREATE TABLE gone (id INTEGER PRIMARY KEY, v BLOB, tag TEXT UNIQUE)",
    "CREATE INDEX gone_v ON gone (v)",
    "CREATE TABLE scratch (v BLOB)",
)


def _build(db: Path, kept: list[int], dropped: list[int], scratch: int) -> None:
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA secure_delete=ON")
        for sql in _SCHEMA:
            conn.execute(sql)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO keep (v, tag) VALUES (?, ?)",
            [(bytes([i % 251]) * size, f"k{i}") for i, size in enumerate(kept)],
        )
        conn.executemany(
            "INSERT INTO gone (v, tag) VALUES (?, ?)",
            [(bytes([i % 251]) * size, f"g{i}") for i, size in enumerate(dropped)],
        )
        conn.executemany(
            "INSERT INTO scratch VALUES (?)", [(b"s" * 3000,) for _ in range(scratch)]
        )
        conn.execute("COMMIT")
        conn.execute("DELETE FROM scratch")  # an existing freelist to chain onto


@contextmanager
def _checkpointed(
    db: Path,
) -> Iterator[tuple[sqlite_pages.DatabaseFile, list[sqlite_pages.Btree]]]:
    """Inside a write transaction on ``db``: its checkpointed file and the b-trees of
    table ``gone``, as a backup sees them."""
    engine = make_engine(sqlite_url(db))
    try:
        with engine.connect() as conn:
            conn.begin()
            source = sqlite_pages.checkpointed_file(conn)
            assert source is not None
            yield source, sqlite_pages.btrees_of(conn, ["gone"])
    finally:
        engine.dispose()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    kept=st.lists(st.integers(0, 9000), max_size=60),
    dropped=st.lists(st.integers(0, 9000), max_size=400),
    scratch=st.integers(0, 40),
    pages_per_slice=st.integers(1, 64),
)
def test_zeroed_btrees_rebuilt_empty_leave_a_sound_database_B1(
    kept: list[int], dropped: list[int], scratch: int, pages_per_slice: int
) -> None:
    work = Path(tempfile.mkdtemp())
    try:
        db = work / "vault.db"
        _build(db, kept, dropped, scratch)
        with _checkpointed(db) as (source, trees):
            slices = sqlite_pages.read_slices(
                source,
                pages_per_slice,
                left_out=[p for t in trees for p in t.pages],
                set_aside=[],
            )
            copy = work / "copy.db"
            with copy.open("wb") as out:
                for image, aside in slices:
                    assert aside == []
                    out.write(image)
        assert {t.name for t in trees} == {"gone", "gone_v", "sqlite_autoindex_gone_1"}
        with closing(sqlite3.connect(db)) as conn:
            free_before = conn.execute("PRAGMA freelist_count").fetchone()[0]
            kept_rows = conn.execute("SELECT * FROM keep ORDER BY id").fetchall()
        sqlite_pages.empty_btrees(copy, trees)
        with closing(sqlite3.connect(copy, isolation_level=None)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("SELECT count(*) FROM gone").fetchone() == (0,)
            assert (
                conn.execute("SELECT * FROM keep ORDER BY id").fetchall() == kept_rows
            )
            freed = sum(len(t.pages) - 1 for t in trees)
            assert conn.execute("PRAGMA freelist_count").fetchone() == (
                free_before + freed,
            )
            conn.execute("INSERT INTO gone (v, tag) VALUES (x'00', 'again')")
            conn.execute("VACUUM")  # every page is reachable and reusable
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        shutil.rmtree(work)


def test_set_aside_pages_go_back_exactly_where_they_were(tmp_path: Path) -> None:
    """Pages set aside from their slice and put back into it give the original file."""
    db = tmp_path / "vault.db"
    _build(db, [100] * 50, [2000] * 300, 5)
    with _checkpointed(db) as (source, trees):
        original = db.read_bytes()[: source.page_count * source.page_size]
        rebuilt = bytearray()
        for first_page, (image, aside) in zip(
            range(1, source.page_count + 1, 16),
            sqlite_pages.read_slices(
                source,
                16,
                left_out=[],
                set_aside=[p for t in trees for p in t.pages],
            ),
            strict=True,
        ):
            packed = sqlite_pages.pack_pages(aside)
            back = sqlite_pages.unpack_pages(packed, source.page_size)
            sqlite_pages.put_pages(image, first_page, source.page_size, back)
            rebuilt += image
    assert bytes(rebuilt) == original
