"""CN_USCC — 统一社会信用代码 (GB 32100-2015), checked with python-stdnum."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum.cn import uscc as _uscc

from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import is_business_number
from piplvault.discovery.registry import Recognizer, register
from piplvault.discovery.resident_id import PROVINCES

ENTITY = "CN_USCC"

_FIND = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
#: Registration authority (first character) -> valid organisation types (second).
_KINDS = {
    "1": "1239",
    "2": "19",
    "3": "123459",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}
_AREAS = PROVINCES | {"10"}
_CHARS = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def normalise(value: str) -> str:
    """Upper case without spaces."""
    return to_nfkc(strip_separators(to_nfkc(value)).upper())


def validate(value: str) -> bool:
    """18 characters: authority and type codes, a province code, GB 32100 check."""
    code = normalise(value)
    if len(code) != 18 or code[1] not in _KINDS.get(code[0], ""):
        return False
    if code[2:4] not in _AREAS or not _CHARS.fullmatch(code):
        return False
    return bool(_uscc.calc_check_digit(code[:17]) == code[17])


def find(text: str) -> Iterator[tuple[int, int]]:
    """Credit codes in half-width text."""
    for match in _FIND.finditer(text):
        if validate(match.group()) and not is_business_number(text, match.start()):
            yield match.span()


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "信用代码",
            "社会信用",
            "uscc",
            "税号",
            "纳税人识别号",
            "credit_code",
            "统一代码",
            "营业执照",
        ),
        context=(
            "税号",
            "信用代码",
            "社会信用代码",
            "纳税人识别号",
            "统一社会信用代码",
        ),
        priority=12,
        trigger=re.compile(r"[0-9A-Za-z]{18}"),
    )
)
