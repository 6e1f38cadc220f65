"""CN_LANDLINE — fixed-line numbers: area code, 7-8 digit number, optional extension.

Accepted forms: ``010-62345678``, ``(0755)2345678``, ``（0531）34521775``,
``0571 88888888``, ``02224111003``, ``+86 551 39685377``, ``+86-10-62345678``,
``021-25935341-5407`` / ``转5407`` / ``ext.4425``. Which area codes exist and how long
their numbers are is read off phonenumbers' numbering plan (its CN fixed-line pattern).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.context import is_business_number
from piplvault.discovery.registry import Recognizer, register

ENTITY = "CN_LANDLINE"

_AREA = r"(?:\(0?\d{2,3}\)|0\d{2,3})"
_EXT = r"(?:[ ]?(?:-|转|ext\.?|EXT\.?|Ext\.?|x|X|#|分机)[ ]?(?P<ext>\d{1,6}))?"
_WHOLE = re.compile(
    r"(?:(?:\+|00)86[ -]?(?P<a1>\d{2,3})|\(?(?P<a2>0\d{2,3})\)?|\((?P<a3>\d{2,3})\))"
    r"[ -]?(?P<num>\d{3,4}[ -]?\d{4})" + _EXT
)
_FIND = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[ -]?\d{2,3}|" + _AREA + r")[ -]?\d{3,4}[ -]?\d{4}"
    r"(?:[ ]?(?:-|转|ext\.?|EXT\.?|Ext\.?|分机|x|X)[ ]?\d{1,6})?(?![0-9A-Za-z])"
)


def normalise(value: str) -> str:
    """``+86-<area>-<number>[-<ext>]``, e.g. ``+86-10-62345678``."""
    parts = _parts(value)
    if parts is None:
        return to_nfkc(value)
    area, number, ext = parts
    return f"+86-{area}-{number}" + (f"-{ext}" if ext else "")


def validate(value: str) -> bool:
    """A known area code followed by a number of the length the area uses."""
    return _parts(value) is not None


def find(text: str) -> Iterator[tuple[int, int]]:
    """Landline numbers in half-width text (not order or SKU numbers)."""
    for match in _FIND.finditer(text):
        if validate(match.group()) and not is_business_number(text, match.start()):
            yield match.span()


def _parts(value: str) -> tuple[str, str, str | None] | None:
    match = _WHOLE.fullmatch(to_nfkc(value).replace("（", "(").replace("）", ")"))
    if match is None:
        return None
    group = "a1" if match["a1"] else "a2" if match["a2"] else "a3"
    national = match[group].lstrip("0") + match["num"].replace(" ", "").replace("-", "")
    # Area codes are 010 and 02X (two digits after the 0) or 0XXX (three).
    size = 2 if national.startswith(("10", "2")) else 3
    area, subscriber = national[:size], national[size:]
    if len(subscriber) not in area_codes().get(area, ()) or subscriber[0] in "01":
        return None
    return area, subscriber, match["ext"]


@cache
def area_codes() -> dict[str, frozenset[int]]:
    """Area code (without the 0) -> subscriber-number lengths it uses, read off
    phonenumbers' fixed-line pattern with a typical number of each length."""
    pattern = fixed_line_pattern()
    codes = ["10", *(f"2{d}" for d in range(10)), *(str(n) for n in range(300, 1000))]
    found: dict[str, frozenset[int]] = {}
    for code in codes:
        lengths = frozenset(
            length
            for length, number in ((7, "6234567"), (8, "62345678"))
            if pattern.fullmatch(code + number)
        )
        if lengths:
            found[code] = lengths
    return found


@cache
def fixed_line_pattern() -> re.Pattern[str]:
    """phonenumbers' pattern for mainland fixed-line national numbers (no leading 0)."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    description = metadata.fixed_line if metadata is not None else None
    if description is None:  # pragma: no cover  phonenumbers always ships CN
        raise RuntimeError("phonenumbers has no numbering plan for CN")
    return re.compile(str(description.national_number_pattern))


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "固定电话",
            "固话",
            "座机",
            "办公电话",
            "电话",
            "landline",
            "tel",
            "telephone",
            "phone",
            "联系方式",
            "传真",
            "fax",
            "dianhua",
            "联系号码",
        ),
        context=("电话", "座机", "固话", "联系电话", "办公电话", "传真"),
        priority=25,
        trigger=re.compile(r"0\d\d|86"),
    )
)
