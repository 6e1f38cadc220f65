"""Direct-I/O writing (io/direct_file.py, io/private_files.open_private_direct): whatever
the sizes written, the file holds exactly those bytes, private and renamed into place only
on success (R-NDS-9-1: backups; issue 10 attack 7: private files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piplvault.io import direct_file
from piplvault.io.private_files import open_private_direct


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sizes=st.lists(st.integers(0, 30000), max_size=40))
def test_every_byte_lands_in_order(
    sizes: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(direct_file, "BUFFER_BYTES", 3 * direct_file.ALIGN)
    chunks = [os.urandom(n) for n in sizes]
    target = tmp_path / "out.bin"
    target.unlink(missing_ok=True)
    with open_private_direct(target) as out:
        for chunk in chunks:
            assert out.write(memoryview(chunk)) == len(chunk)
    assert target.read_bytes() == b"".join(chunks)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "out.bin"
    with pytest.raises(RuntimeError), open_private_direct(target) as out:
        out.write(b"x" * (direct_file.BUFFER_BYTES + 5))
        raise RuntimeError("the caller fails half-way")
    assert list(target.parent.iterdir()) == []  # neither the file nor its temp


def test_without_direct_io_the_same_bytes_go_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that refuses O_DIRECT at open: the file is written all the same."""
    real_open = os.open

    def refusing(path: str, flags: int, mode: int = 0o777) -> int:
        if flags & direct_file.O_DIRECT:
            os.close(real_open(path, flags & ~direct_file.O_DIRECT, mode))  # created
            raise OSError(22, "Invalid argument")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refusing)
    data = os.urandom(direct_file.BUFFER_BYTES + 12345)
    target = tmp_path / "out.bin"
    with open_private_direct(target) as out:
        out.write(data)
    assert target.read_bytes() == data
