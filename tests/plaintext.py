"""Which of many byte strings occur in a blob: the plaintext-at-rest scans, in one pass.

The scans look for every personal value of the example files (over a thousand, each in
several encodings) in every file of a vault. ``needle in data`` for each of them reads the
whole file once per needle — seconds per scan for a vault database. :func:`occurring` gives
exactly the same answer, ``{n for n in needles if n in data}``, reading the blob ``k`` times
(``k`` = the shortest needle's length) and checking ``n in data`` only for the needles whose
first ``k`` bytes occur somewhere in it (``tests/test_plaintext_search.py`` proves it)."""

from __future__ import annotations

import re
from collections.abc import Iterable


def occurring(needles: Iterable[bytes], data: bytes) -> set[bytes]:
    """The needles that occur in ``data``: ``{n for n in needles if n in data}``.

    A needle at offset ``p`` starts with the ``k``-byte window ``data[p:p+k]``, and that
    window is one of the consecutive ``k``-byte chunks of ``data`` read from offset
    ``p % k``; so the chunks read from offsets ``0 … k-1`` hold every window, and a needle
    whose first ``k`` bytes are in none of them occurs nowhere."""
    wanted = set(needles)
    if b"" in wanted:
        return {b""} | occurring(wanted - {b""}, data)
    if not wanted:
        return set()
    k = min(map(len, wanted))
    by_prefix: dict[bytes, list[bytes]] = {}
    for needle in wanted:
        by_prefix.setdefault(needle[:k], []).append(needle)
    prefixes = set(by_prefix)
    chunk = re.compile(b"(?s).{%d}" % k)
    seen: set[bytes] = set()
    for offset in range(k):
        seen |= prefixes.intersection(chunk.findall(data, offset))
    return {n for prefix in seen for n in by_prefix[prefix] if n in data}


#: The shortest encoded form a scan looks for. A random k-byte string occurs by chance in
#: N bytes of ciphertext with probability about N / 2**(8k): for a few hundred 4-byte
#: forms (a two-character name in UTF-16 or GB18030) and a 5 MB vault that is about 0.3
#: per run — a flaky test, not a finding; for 6 bytes it is about 5e-6. Every value is
#: also searched in UTF-8, where no value shorter than 6 bytes is a needle either.
MIN_FORM_BYTES = 6


def searchable(forms: Iterable[bytes]) -> set[bytes]:
    """The encoded forms long enough that finding one is evidence, not chance."""
    return {form for form in forms if len(form) >= MIN_FORM_BYTES}
