"""Dirty cells from real exports, cleaned before validation (issue 12.4).

Excel and CRM exports wrap values: a leading apostrophe (``'13812345678``), a ``="…"``
formula wrapper, labels inside the cell (``手机：138…``), suffixes such as ``(微信同号)``,
Excel date-times (``1990-01-02 00:00:00``), and several values in one cell
(``138…；139…``, ``a@x.cn/b@y.cn``). :func:`clean_cell` removes the wrapping;
:func:`cell_values` splits a multi-valued cell of a structured entity, so each value is
found, validated and blind-indexed. Full-width forms, padding, ``+86``/``0086``/``(+86)``
prefixes, separators and extensions (转/分机/ext) are handled by the recognizers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from piplvault.discovery.characters import to_nfkc

#: Entities whose cells may hold several values separated by ；、/ , |.
MULTI_VALUED = frozenset(
    {
        "CN_MOBILE",
        "CN_LANDLINE",
        "EMAIL",
        "QQ_NUMBER",
        "WECHAT_ID",
        "BANK_CARD",
        "PERSON",  # two people in a cell: 张伟、李娜
    }
)
#: Spaces typed inside a short Chinese name (张 伟, 欧阳 娜娜).
_SPACED_NAME = re.compile(r"^[\u4e00-\u9fff](?:\s*[\u4e00-\u9fff]){1,4}$")
#: Values that stand for "nothing here" in CRM exports (issue 12.7): null, not names.
PLACEHOLDERS = frozenset(
    "无 暂无 没有 空 / // - -- --- — —— * ** 同上 同左 见上 待定 未知 不详 不明 未填 "
    "null none nil n/a na nan 公海 公海客户 公海池 客户池 回收站 无效客户".split()
)
_TRIGGER = re.compile(r"^['=]|[:：]|同号|同微信|微信同|\s0{1,2}:00(?::00)?$")
_FORMULA = re.compile(r'^=\s*"(.*)"$', re.DOTALL)
_LABEL = re.compile(
    r"^(?:手机号?码?|移动电话|联系电话|联系方式|电话号?码?|座机|固话|办公电话|"
    r"tel|mobile|phone|cell|e-?mail|邮箱|微信号?|qq号?|身份证号?码?|证件号?码?|"
    r"卡号|银行卡号?|账号)\s*[:：]\s*",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    r"\s*[(（]?\s*(?:微信同号|同微信|微信同|手机同号|同号)\s*[)）]?\s*$"
)
_MIDNIGHT = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s+0{1,2}:00(?::00)?$")
_SEPARATORS = re.compile(r"\s*[;；、/,，|\n]+\s*")
_SPLIT_TRIGGER = re.compile(r"[;；、/,，|\n]")


@lru_cache(maxsize=65536)
def clean_cell(value: str) -> str:
    """The value without export wrapping (NFKC, trimmed); "" for a placeholder."""
    text = to_nfkc(value)
    if text.lower() in PLACEHOLDERS:
        return ""
    if not _TRIGGER.search(text):
        return text
    if text.startswith("'"):
        text = text[1:].strip()
    formula = _FORMULA.match(text)
    if formula:
        text = formula.group(1).strip()
    text = _SUFFIX.sub("", text)
    midnight = _MIDNIGHT.match(text)
    if midnight:
        return midnight.group(1)
    return _strip_label(text)


def _strip_label(text: str) -> str:
    return _LABEL.sub("", text, count=1).strip()


def cell_values(entity: str | None, value: str) -> list[str]:
    """The cleaned values of one cell: several for a multi-valued structured cell."""
    text = clean_cell(value)
    if not text:
        return []
    if entity == "PERSON" and " " in text and _SPACED_NAME.match(text):
        return ["".join(text.split())]
    if entity not in MULTI_VALUED or not _SPLIT_TRIGGER.search(text):
        return [text]
    parts = [_strip_label(_SUFFIX.sub("", p)) for p in _SEPARATORS.split(text)]
    return [p for p in parts if p]


#: Shapes of values that fail only a numbering plan that lags reality (data-only 14x
#: mobile segments, new area codes): such a value is flagged for review, never dropped.
_PLAUSIBLE = {
    "CN_MOBILE": re.compile(
        r"(?:\+?86|0086|\(\+?86\))?[ -]?1\d{2}[ .-]?\d{4}[ .-]?\d{4}"
    ),
    "CN_LANDLINE": re.compile(r"\(?0\d{2,3}\)?[ -]?[2-9]\d{6,7}(?:[ -]?\d{1,6})?"),
}


def plausible(entity: str, value: str) -> bool:
    """Whether an invalid ``value`` has the shape of ``entity`` (only the numbering plan
    says no), so it is kept and flagged even under ``--on-invalid reject``."""
    pattern = _PLAUSIBLE.get(entity)
    return pattern is not None and pattern.fullmatch(value.strip()) is not None
