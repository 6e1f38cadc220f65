"""MILITARY_ID — 军官证, 士兵证, 文职干部证 and other 军人身份证件 numbers.

These numbers carry no checksum and no fixed length. The common printed form is a
short prefix ending in 字 (the issuing branch or region: 军, 政, 后, 装, 海, 空, 南, 北…),
then 第, 6 to 10 digits and 号 — ``军字第20051234号``; exports often keep only the
digits. Nothing in the value alone says "military": a column needs a header (军官证号,
士兵证) or a 证件类型 neighbour naming it, and free text a word such as 军官证 right
before the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.core.doctypes import DOCUMENT_HEADERS
from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import follows_word
from piplvault.discovery.registry import Recognizer, register

_SHAPE = re.compile(r"(?:[\u4e00-\u9fa5]{1,3}字)?第?\d{6,10}号?")
_DIGITS = re.compile(r"(?<![0-9A-Za-z])第?\d{6,10}号?(?![0-9A-Za-z])")
WORDS = (
    "军官证",
    "士兵证",
    "军人证",
    "军人证件",
    "文职干部证",
    "军官证号",
    "士兵证号",
    "军官证号码",
    "士兵证号码",
    "军人身份证",
    "军人身份证件",
)


_HAN = re.compile(r"[\u4e00-\u9fa5]+")
_WINDOW = max(map(len, WORDS)) + 6


def normalise(value: str) -> str:
    """NFKC, no spaces or dashes."""
    return to_nfkc(strip_separators(to_nfkc(value)))


def validate(value: str) -> bool:
    """The printed form (军字第12345678号) or its 6-10 digits alone."""
    number = normalise(value)
    return _SHAPE.fullmatch(number) is not None and (
        number[0].isdigit() or "字" in number or number[0] == "第"
    )


def find(text: str) -> Iterator[tuple[int, int]]:
    """Numbers right after a word such as 军官证 (free text has no other evidence),
    with the printed prefix (海字第…号) when there is one."""
    for match in _DIGITS.finditer(text):
        start, end = match.span()
        if text.endswith("字", 0, start):
            # 军官证海字第9477773号: try the 1-character branch, then 2 characters
            for width in (1, 2):
                head = start - 1 - width
                if head >= 0 and _HAN.fullmatch(text[head : start - 1]):
                    if follows_word(text, head, WORDS, window=_WINDOW):
                        yield head, end
                        break
            continue
        if follows_word(text, start, WORDS, window=_WINDOW):
            yield start, end


RECOGNIZER = register(
    Recognizer(
        entity="MILITARY_ID",
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "军官证",
            "士兵证",
            "军人证",
            "军人身份",
            "文职干部证",
            "军官",
            "士兵",
            "military",
            "soldier",
            "officer id",
            *DOCUMENT_HEADERS,
        ),
        needs_header=True,
        context=WORDS,
        priority=38,
        trigger=re.compile("军官|士兵|军人|文职干部"),
    )
)
