"""CN_RESIDENT_ID — 居民身份证号码 (GB 11643-1999).

18 characters: 6-digit area code, birth date YYYYMMDD, 3-digit sequence, and an
ISO 7064 MOD 11-2 check character (0-9 or X). The legacy 15-digit form has a
YYMMDD birth date (19YY) and no check digit. The area code's province part must be a
real province-level code; the county part is not checked, because code tables miss
merged and renamed counties (python-stdnum rejects such valid numbers). Numbers with
the address codes 81/82/83 are 港澳台居民居住证 numbers, not resident ID numbers
(``HMT_RESIDENCE_PERMIT``, residence_documents.py).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Iterator

from piplvault.core.doctypes import DOCUMENT_HEADERS
from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import after_glued_label, is_business_number
from piplvault.discovery.registry import Recognizer, register

ENTITY = "CN_RESIDENT_ID"

#: Province-level codes of GB/T 2260 (plus 71 Taiwan, 81 Hong Kong, 82 Macao, 83
#: for residence permits of Taiwan residents).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)
#: Codes a resident ID number starts with: 81/82/83 belong to residence permits.
RESIDENT_PROVINCES = PROVINCES - {"81", "82", "83"}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_FIND = re.compile(
    r"(?<![0-9])(?:\d{6}[ -]?(?:\d{8}|\d{4}[ -]\d{4})[ -]?\d{3}[\dXx]|\d{15})"
    r"(?![0-9A-Za-z])"
)
_EARLIEST = dt.date(1890, 1, 1)
_LATEST = dt.date(2030, 12, 31)


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(map(operator.mul, map(int, first17), _WEIGHTS))
    return _CHECK[total % 11]


def normalise(value: str) -> str:
    """Upper case, no spaces or dashes; 15-digit numbers are kept as they are."""
    return to_nfkc(strip_separators(to_nfkc(value)).upper())


def validate(value: str) -> bool:
    """Shape, province code, birth date and (18 digits) check digit are right."""
    number = normalise(value)
    if not _SHAPE.fullmatch(number) or number[:2] not in RESIDENT_PROVINCES:
        return False
    if len(number) == 15:
        return is_birth_date("19" + number[6:12])
    return is_birth_date(number[6:14]) and check_digit(number[:17]) == number[17]


def birth_date(value: str) -> dt.date | None:
    """The birth date encoded in a valid ID number, or None."""
    if not validate(value):
        return None
    number = normalise(value)
    text = "19" + number[6:12] if len(number) == 15 else number[6:14]
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def find(text: str) -> Iterator[tuple[int, int]]:
    """Valid ID numbers in half-width text (not after 订单/单号-like words)."""
    for match in _FIND.finditer(text):
        if (
            validate(match.group())
            and not is_business_number(text, match.start())
            and starts_clear(text, match.start())
        ):
            yield match.span()


def starts_clear(text: str, start: int) -> bool:
    """A number starts after a non-alphanumeric character or a glued label word."""
    return (
        start == 0
        or not text[start - 1].isascii()
        or not text[start - 1].isalpha()
        or after_glued_label(text, start)
    )


def is_birth_date(text: str) -> bool:
    """Whether YYYYMMDD is a real day between 1890 and 2030."""
    try:
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return _EARLIEST <= day <= _LATEST


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "身份证",
            *DOCUMENT_HEADERS,
            "公民身份",
            "id_no",
            "idno",
            "id_card",
            "idcard",
            "id number",
            "id_number",
            "sfz",
            "identity",
            "shenfenzheng",
            "sfzh",
            "sfzhm",
            "id no",
        ),
        context=("身份证", "身份证号", "证件号", "证件号码", "公民身份号码"),
        priority=10,
        trigger=re.compile(r"\d{6}"),
    )
)
