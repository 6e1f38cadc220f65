"""BANK_CARD — payment card numbers: 16-19 digits with a valid Luhn check digit.

Spaces or dashes between groups and full-width digits are accepted. A number whose
digits 7-14 form a plausible birth date and whose first two digits are a province code
is shaped like an ID or order number, so it needs a known card prefix (BIN) to count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import luhn

from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import is_business_number
from piplvault.discovery.registry import Recognizer, register
from piplvault.discovery.resident_id import PROVINCES

ENTITY = "BANK_CARD"

_SHAPE = re.compile(r"\d{16,19}")
_GROUPED = re.compile(r"\d{4,6}(?:[ -]\d{1,6}){2,4}|\d{16,19}")
_FIND = re.compile(
    r"(?<![0-9A-Za-z-])(?:\d{4,6}(?:[ -]\d{1,6}){2,4}|\d{16,19})(?![0-9A-Za-z])"
)
#: Issuer prefixes: UnionPay 62 and 60/65/68/69, Visa 4, Mastercard 5 and 22-27,
#: JCB/Amex 3, old domestic debit cards 9. Numbers starting 0, 1, 7 or 8 are not cards.
_BINS = ("2", "3", "4", "5", "6", "9")


def normalise(value: str) -> str:
    """Digits only."""
    return to_nfkc(strip_separators(to_nfkc(value)))


def validate(value: str) -> bool:
    """16-19 digits, Luhn-valid, and not shaped like a region+date number."""
    text = to_nfkc(value)
    if not _GROUPED.fullmatch(text):
        return False
    number = strip_separators(text)
    if not _SHAPE.fullmatch(number) or not number.startswith(_BINS):
        return False
    return not _looks_like_id(number) and luhn.checksum(number) == 0


def has_known_bin(value: str) -> bool:
    """Whether the number starts with a known issuer prefix."""
    return normalise(value).startswith(_BINS)


def find(text: str) -> Iterator[tuple[int, int]]:
    """Card numbers in half-width text (not order numbers)."""
    for match in _FIND.finditer(text):
        if validate(match.group()) and not is_business_number(text, match.start()):
            yield match.span()


def _looks_like_id(number: str) -> bool:
    if len(number) != 18 or number[:2] not in PROVINCES:
        return False
    year, month, day = number[6:10], number[10:12], number[12:14]
    return year[:2] in ("19", "20") and "01" <= month <= "12" and "01" <= day <= "31"


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "银行卡",
            "卡号",
            "银行账号",
            "账号",
            "帐号",
            "账户",
            "card",
            "account",
            "acct",
            "bank_no",
        ),
        context=("卡号", "账号", "帐号", "银行卡", "银行卡号", "账户"),
        priority=30,
        trigger=re.compile(r"\d{4}[ -]?\d{4}[ -]?\d{4}"),
    )
)
