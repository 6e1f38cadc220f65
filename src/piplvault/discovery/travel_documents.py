"""PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT — travel documents of mainland residents.

* PASSPORT — ordinary passports: ``E`` + 8 digits, or ``E`` + a letter + 7 digits;
  older ``G``/``P``/``S``/``D`` + 7-8 digits.
* HK_MACAO_PERMIT — 往来港澳通行证: ``C`` + 8 digits, or ``C`` + a letter + 7 digits.
* TAIWAN_PERMIT — 往来台湾通行证 ``L``/``T`` + 8 digits; 台胞证 8 digits.

The shapes are short and generic, so a column needs a matching header, and free text
needs a word such as 护照 or 通行证 right before the number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from piplvault.core.doctypes import DOCUMENT_HEADERS
from piplvault.discovery.characters import strip_separators, to_nfkc
from piplvault.discovery.context import follows_word
from piplvault.discovery.registry import Recognizer, register

_PASSPORT = re.compile(r"E[A-HJ-NP-Z0-9]\d{7}|[GPSD]\d{7,8}")
_HK_MACAO = re.compile(r"C[A-HJ-NP-Z0-9]\d{7}|[HM]\d{8,10}")
_TAIWAN = re.compile(r"[LT]\d{8}|\d{8}(?:\d{2})?")


def _normalise(value: str) -> str:
    """Upper case without spaces."""
    return to_nfkc(strip_separators(to_nfkc(value)).upper())


def _validator(shape: re.Pattern[str]) -> Callable[[str], bool]:
    def validate(value: str) -> bool:
        return shape.fullmatch(_normalise(value)) is not None

    return validate


def _finder(
    shape: re.Pattern[str], words: tuple[str, ...]
) -> Callable[[str], Iterator[tuple[int, int]]]:
    # any case: e12345678 typed in lower case is still a passport after 护照
    pattern = re.compile(
        r"(?<![0-9A-Za-z])(?:" + shape.pattern + r")(?![0-9A-Za-z])", re.IGNORECASE
    )
    window = max(map(len, words)) + 6  # the longest name, then 号码：

    def find(text: str) -> Iterator[tuple[int, int]]:
        for match in pattern.finditer(text):
            if follows_word(text, match.start(), words, window=window):
                yield match.span()

    return find


_PASSPORT_WORDS = ("护照", "护照号", "护照号码", "passport", "Passport", "PASSPORT")
_HK_WORDS = (
    "港澳通行证",
    "通行证号",
    "港澳通行证号",
    "往来港澳通行证",
    "回乡证",
    "来往内地通行证",
    "港澳居民来往内地通行证",
)
_TW_WORDS = ("台湾通行证", "台胞证", "往来台湾通行证", "台湾居民来往大陆通行证")

PASSPORT = register(
    Recognizer(
        entity="PASSPORT",
        validate=_validator(_PASSPORT),
        normalise=_normalise,
        find=_finder(_PASSPORT, _PASSPORT_WORDS),
        headers=("护照", "passport", *DOCUMENT_HEADERS),
        needs_header=True,
        priority=35,
        trigger=re.compile("护照|passport|PASSPORT|Passport"),
    )
)
HK_MACAO_PERMIT = register(
    Recognizer(
        entity="HK_MACAO_PERMIT",
        validate=_validator(_HK_MACAO),
        normalise=_normalise,
        find=_finder(_HK_MACAO, _HK_WORDS),
        headers=("港澳", "回乡证", "hk_macao", "hkmo", *DOCUMENT_HEADERS),
        needs_header=True,
        priority=36,
        trigger=re.compile("港澳|通行证|回乡证"),
    )
)
TAIWAN_PERMIT = register(
    Recognizer(
        entity="TAIWAN_PERMIT",
        validate=_validator(_TAIWAN),
        normalise=_normalise,
        find=_finder(_TAIWAN, _TW_WORDS),
        headers=("台湾", "台胞", "taiwan", *DOCUMENT_HEADERS),
        needs_header=True,
        priority=37,
        trigger=re.compile("台湾|台胞|通行证"),
    )
)
