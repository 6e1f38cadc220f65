"""BANK_CARD — payment card numbers: 16-19 digits with a valid Luhn check digit.

Spaces or dashes between groups and full-width digits are accepted. The number must
start with an issuer prefix (2-6 or 9), and an 18-digit number that is a valid resident
ID number (GB 11643 check digit) is an ID, not a card. In free text, numbers introduced
as order, tracking or SKU numbers are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import luhn

from piplvault.discovery import resident_id
from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import is_business_number
from piplvault.discovery.registry import Recognizer, register

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
    """16-19 digits, an issuer prefix, Luhn-valid, and not a valid ID number."""
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
    """A valid resident ID number (check digit included) is an ID, not a card."""
    return len(number) == 18 and resident_id.validate(number)


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
