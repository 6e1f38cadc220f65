"""Header words: tokenised and normalised across Chinese, English, pinyin and mixed forms.

``ID No.``, ``Id_No``, ``IDNo``, ``id-no`` and ``idno`` all name the same thing; ``tel`` is
a word in ``Tel/Mobile`` but not in ``hotel``. Chinese fragments match anywhere in the
header (with spaces and punctuation removed); Latin fragments match whole words or runs
of words, and long ones (five letters or more) also the start of a word (``shoujihao``
starts with ``shouji``, ``mobilephone`` with ``mobile``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from piplvault.discovery.characters import to_nfkc

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_NOISE = re.compile(r"[\s_\-./\\|:：()（）\[\]【】#*'\"]+")
_LATIN_ONLY = re.compile(r"[a-z0-9 _\-./]+")


@dataclass(frozen=True, slots=True)
class Header:
    """A header as words: ``compact`` for Chinese fragments, ``words`` for Latin ones."""

    text: str
    compact: str
    words: tuple[str, ...]


@lru_cache(maxsize=4096)
def parse_header(name: str) -> Header:
    text = to_nfkc(name).strip()
    lowered = text.lower()
    return Header(
        text=lowered,
        compact=_NOISE.sub("", lowered),
        words=tuple(w.lower() for w in _WORD.findall(text)),
    )


def mentions(header: Header, fragments: Iterable[str]) -> bool:
    """Whether any fragment names something in ``header``."""
    return any(_matches(header, f) for f in fragments)


def _matches(header: Header, fragment: str) -> bool:
    if not _LATIN_ONLY.fullmatch(fragment):
        return _NOISE.sub("", fragment) in header.compact
    target = "".join(re.findall(r"[a-z0-9]+", fragment))
    if not target:
        return False
    words = header.words
    for start in range(len(words)):
        joined = ""
        for word in words[start:]:
            joined += word
            if joined == target or (len(target) >= 5 and joined.startswith(target)):
                return True
            if len(joined) >= len(target):
                break
    return False
