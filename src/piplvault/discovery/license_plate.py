"""LICENSE_PLATE — mainland vehicle plates: 京A12345, 粤B·D12345 (new-energy: 6 after the letter)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.registry import Recognizer, register

ENTITY = "LICENSE_PLATE"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_BODY = (
    "["
    + _PROVINCES
    + r"][A-HJ-NP-Z][·•・ -]?(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])"
)
_WHOLE = re.compile(_BODY)
_FIND = re.compile(r"(?<![A-Za-z0-9])" + _BODY + r"(?![A-Za-z0-9])")


def normalise(value: str) -> str:
    """Upper case, without the dot or space after the issuing letter."""
    text = to_nfkc(value).upper()
    return to_nfkc(re.sub(r"[·•・ -]", "", text))


def validate(value: str) -> bool:
    """Province character, issuing letter, then 5 (or 6 for new-energy) characters."""
    text = to_nfkc(value).upper()
    return _WHOLE.fullmatch(text) is not None and sum(c.isdigit() for c in text) >= 3


def find(text: str) -> Iterator[tuple[int, int]]:
    """Plates in half-width text."""
    for match in _FIND.finditer(text):
        if validate(match.group()):
            yield match.span()


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=("车牌", "号牌", "plate", "车辆号码"),
        priority=38,
        trigger=re.compile("[" + _PROVINCES + "][A-HJ-NP-Z]"),
    )
)
