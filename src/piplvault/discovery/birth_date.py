"""DATE_OF_BIRTH — birth dates (1990-01-02, 1990/1/2, 1990年1月2日, 19900102).

Any date looks like any other, so a column needs a birth-date header, and free text
needs a word such as 出生 or 生日 right before the date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.context import follows_word
from piplvault.discovery.registry import Recognizer, register

ENTITY = "DATE_OF_BIRTH"
_DATE = r"(?P<y>(?:19|20)\d{2})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m2>\d{2})(?P<d2>\d{2}))"
_WHOLE = re.compile(_DATE)
_FIND = re.compile(r"(?<!\d)" + _DATE + r"(?!\d)")
_WORDS = ("出生日期", "出生", "生日", "出生于", "生于", "DOB", "dob", "birthday")


def normalise(value: str) -> str:
    """ISO form ``YYYY-MM-DD`` when the value is a date."""
    day = _parse(to_nfkc(value))
    return day.isoformat() if day else to_nfkc(value)


def validate(value: str) -> bool:
    """A real calendar date between 1900 and 2030."""
    return _parse(to_nfkc(value)) is not None


def find(text: str) -> Iterator[tuple[int, int]]:
    """Dates introduced by 出生/生日 in half-width text."""
    for match in _FIND.finditer(text):
        if follows_word(text, match.start(), _WORDS) and _parse(match.group()):
            yield match.span()


def _parse(text: str) -> dt.date | None:
    match = _WHOLE.fullmatch(text)
    if match is None:
        return None
    month = match["m"] or match["m2"]
    day = match["d"] or match["d2"]
    try:
        date = dt.date(int(match["y"]), int(month), int(day))
    except ValueError:
        return None
    return date if dt.date(1900, 1, 1) <= date <= dt.date(2030, 12, 31) else None


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=("出生", "生日", "birth", "dob"),
        needs_header=True,
        priority=45,
        trigger=re.compile("出生|生日|生于|DOB|dob|birthday"),
    )
)
