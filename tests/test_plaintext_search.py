"""``tests/plaintext.py`` ``occurring`` answers exactly what ``needle in data`` answers for
each needle (the plaintext-at-rest scans of R-51-3 rely on it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.plaintext import occurring


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=200),
    needles=st.lists(st.binary(max_size=9), max_size=12),
    planted=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 200)), max_size=6),
)
def test_occurring_is_each_needle_in_data(
    data: bytes, needles: list[bytes], planted: list[tuple[int, int]]
) -> None:
    """Needles planted at any offset (start, end, overlapping) and absent ones alike."""
    blob = bytearray(data)
    for which, at in planted:
        if which < len(needles):
            at = min(at, len(blob))
            blob[at:at] = needles[which]
    blob_bytes = bytes(blob)
    assert occurring(needles, blob_bytes) == {n for n in needles if n in blob_bytes}


def test_a_needle_at_any_offset_of_a_blob_is_found() -> None:
    filler = bytes(range(256)) * 64  # 16 KiB that hold none of the needles below
    needles = [b"\xe5\xbc\xa0\xe5\x81\xa5", "张健".encode("utf-16-le"), b"13411641045"]
    for needle in needles:
        for at in (0, 1, 2, 3, len(filler) // 2 + 1, len(filler)):
            blob = filler[:at] + needle + filler[at:]
            assert occurring(needles, blob) == {needle}, (needle, at)
    assert occurring(needles, filler) == set()
