"""HMT_RESIDENCE_PERMIT, FOREIGN_PERMANENT_RESIDENT_ID — ID numbers of non-citizens.

* HMT_RESIDENCE_PERMIT — 港澳台居民居住证 (2018): 18 characters laid out like a resident
  ID number, with the address code 810000 (Hong Kong), 820000 (Macao) or 830000
  (Taiwan), then the birth date, a sequence and the GB 11643 MOD 11-2 check character.
* FOREIGN_PERMANENT_RESIDENT_ID — 外国人永久居留身份证. Since 2023-12-01: 18 digits,
  ``9`` (foreigner), a 2-digit province-level code of the issuing place, a 3-digit
  nationality code, the birth date YYYYMMDD, a 3-digit sequence and the MOD 11-2 check
  character. Cards issued before (2004 and 2017 editions, still valid): 15 characters,
  a 3-letter nationality code and 12 digits starting with the issuing place's
  province-level code; they carry no check the number itself can be tested against,
  so in free text they need a word such as 永居证 right before them.

Both 18-character forms are checksummed and carry a valid birth date: they are found in
free text and decide columns without a header, like resident ID numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.core.doctypes import DOCUMENT_HEADERS
from piplvault.discovery.context import follows_word, is_business_number
from piplvault.discovery.registry import Recognizer, register
from piplvault.discovery.resident_id import (
    PROVINCES,
    check_digit,
    is_birth_date,
    starts_clear,
)
from piplvault.discovery.resident_id import normalise as _normalise

#: Address codes of 港澳台居民居住证 numbers.
HMT_AREAS = frozenset({"810000", "820000", "830000"})
_EIGHTEEN = re.compile(r"\d{17}[\dX]")
_OLD_FOREIGN = re.compile(r"[A-Z]{3}\d{12}")
#: Mainland province-level codes (an issuing place is never Hong Kong, Macao, Taiwan).
_MAINLAND = PROVINCES - {"71", "81", "82", "83"}
_FIND_18 = re.compile(
    r"(?<![0-9])\d{6}[ -]?(?:\d{8}|\d{4}[ -]\d{4})[ -]?\d{3}[\dXx](?![0-9A-Za-z])"
)
_FIND_OLD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{3}\d{12}(?![0-9A-Za-z])")


def _checksummed(number: str) -> bool:
    return (
        _EIGHTEEN.fullmatch(number) is not None
        and is_birth_date(number[6:14])
        and check_digit(number[:17]) == number[17]
    )


def validate_hmt_permit(value: str) -> bool:
    """An 18-character number with a HK/Macao/Taiwan address code, date and check."""
    number = _normalise(value)
    return number[:6] in HMT_AREAS and _checksummed(number)


def validate_foreign_permanent(value: str) -> bool:
    """The 2023 18-digit number (9…, checked) or the older 3-letter + 12-digit one."""
    number = _normalise(value)
    if len(number) == 18:
        return number[0] == "9" and number[1:3] in _MAINLAND and _checksummed(number)
    return _OLD_FOREIGN.fullmatch(number) is not None and number[3:5] in _MAINLAND


def _find_hmt(text: str) -> Iterator[tuple[int, int]]:
    for match in _FIND_18.finditer(text):
        if (
            validate_hmt_permit(match.group())
            and not is_business_number(text, match.start())
            and starts_clear(text, match.start())
        ):
            yield match.span()


FOREIGN_WORDS = (
    "永居证",
    "永久居留证",
    "永久居留身份证",
    "外国人永久居留身份证",
    "永居证号",
    "永久居留证号",
    "绿卡",
    "中国绿卡",
    "Permanent Residence",
    "permanent residence",
    "Permanent Residence ID",
    "Permanent Resident ID",
    "PR ID",
)


def _find_foreign(text: str) -> Iterator[tuple[int, int]]:
    for match in _FIND_18.finditer(text):
        if (
            match.group()[0] == "9"
            and validate_foreign_permanent(match.group())
            and not is_business_number(text, match.start())
            and starts_clear(text, match.start())
        ):
            yield match.span()
    for match in _FIND_OLD.finditer(text):
        if validate_foreign_permanent(match.group()) and follows_word(
            text, match.start(), FOREIGN_WORDS, window=28
        ):
            yield match.span()


HMT_RESIDENCE_PERMIT = register(
    Recognizer(
        entity="HMT_RESIDENCE_PERMIT",
        validate=validate_hmt_permit,
        normalise=_normalise,
        find=_find_hmt,
        headers=("居住证", "residence permit", "residence_permit", *DOCUMENT_HEADERS),
        context=("居住证", "居住证号", "港澳台居民居住证", "居住证号码"),
        priority=11,
        trigger=re.compile(r"8[123]0000"),
    )
)
FOREIGN_PERMANENT_RESIDENT_ID = register(
    Recognizer(
        entity="FOREIGN_PERMANENT_RESIDENT_ID",
        validate=validate_foreign_permanent,
        normalise=_normalise,
        find=_find_foreign,
        headers=(
            "永居",
            "永久居留",
            "绿卡",
            "permanent residence",
            "permanent resident",
            "green card",
            *DOCUMENT_HEADERS,
        ),
        # the older 15-character form looks like many business codes: header first
        needs_header=True,
        context=FOREIGN_WORDS,
        priority=12,
        trigger=re.compile(
            r"(?<!\d)9\d{5}|[A-Za-z]{3}\d{12}|永居|永久居留|绿卡|ermanent"
        ),
    )
)
