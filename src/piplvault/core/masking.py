"""脱敏: masked display of personal values, by entity type (see ecosystem-notes §6)."""

from __future__ import annotations

import re
from collections.abc import Callable

#: Compound (two-character) surnames kept whole when masking a name.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 "
    "西门 南宫 独孤 澹台 公冶 宗政 濮阳 太叔 申屠 闻人 赫连 钟离 万俟 司空 呼延 百里".split()
)
_DIGIT = re.compile(r"\d")
_ADDRESS_HEAD = re.compile(
    r"^(.{2,}?(?:省|自治区|市)?.{0,8}?(?:市|州|盟|地区)?.{0,8}?(?:区|县|旗|市))"
)
_UNMASKED_ENTITIES = frozenset({"CN_USCC", "ORG_NAME", "BANK_BRANCH", "BUSINESS"})


def mask(entity: str | None, value: str) -> str:
    """The masked form of ``value`` for its entity; unknown entities are masked fully."""
    if not value:
        return value
    if entity in _UNMASKED_ENTITIES:
        return value
    masker = _MASKERS.get(entity or "", _mask_generic)
    return masker(value)


def mask_name(value: str) -> str:
    """张伟 → 张*, 张小伟 → 张**, 欧阳娜娜 → 欧阳**, 买买提·艾力 → 买买提·**."""
    if "·" in value:
        head, _, rest = value.partition("·")
        return f"{head}·{'*' * max(len(rest), 1)}"
    keep = 2 if value[:2] in COMPOUND_SURNAMES and len(value) > 2 else 1
    if len(value) <= 1:
        return "*"
    return value[:keep] + "*" * (len(value) - keep)


def mask_keep(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters, star the middle."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_mobile(value: str) -> str:
    digits = "".join(_DIGIT.findall(value))
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return mask_keep(digits, 3, 4) if len(digits) >= 7 else "*" * len(value)


def mask_landline(value: str) -> str:
    parts = re.split(r"[-\s]+", value.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) <= 4:
        return f"{parts[0]}-{mask_keep(parts[1], 0, 4)}"
    return mask_keep(value, 0, 4)


def mask_id(value: str) -> str:
    compact = re.sub(r"[\s-]", "", value)
    return mask_keep(compact, 3, 4)


def mask_military_id(value: str) -> str:
    """军字第20051234号 → 军字第****1234号: the branch prefix stays, the digits only show
    their last four (a bare 20051234 → ****1234)."""
    digits = "".join(_DIGIT.findall(value))
    start = value.find(digits[:1]) if digits else -1
    if len(digits) < 6 or value[start : start + len(digits)] != digits:
        return mask_keep(value, 0, 0) if not digits else "*" * len(value)
    return value[:start] + mask_keep(digits, 0, 4) + value[start + len(digits) :]


def mask_card(value: str) -> str:
    digits = "".join(_DIGIT.findall(value))
    return mask_keep(digits, 6, 4) if len(digits) >= 12 else "*" * len(value)


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return mask_keep(value, 1, 0)
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    match = _ADDRESS_HEAD.match(value)
    head = match.group(1) if match and len(match.group(1)) < len(value) else value[:3]
    return head + "*" * 6


def mask_contact(value: str) -> str:
    """李雷 13812345678 → 李* 138****5678: each name or number in the cell masked."""
    parts = re.split(r"([\s,，;；/、:：()（）]+)", value)
    out = []
    for part in parts:
        digits = "".join(_DIGIT.findall(part))
        if not part or not part.strip(" ,，;；/、:：()（）"):
            out.append(part)
        elif len(digits) >= 7:
            out.append(mask_mobile(part))
        else:
            out.append(mask_name(part))
    return "".join(out)


def mask_all(value: str) -> str:
    """Nothing of the value shown but its length (up to 8 stars)."""
    return "*" * min(len(value), 8)


def _mask_generic(value: str) -> str:
    return mask_keep(value, 1, 0) if len(value) > 1 else "*"


_MASKERS: dict[str, Callable[[str], str]] = {
    "PERSON": mask_name,
    "CN_MOBILE": mask_mobile,
    "CN_LANDLINE": mask_landline,
    "CN_RESIDENT_ID": mask_id,
    "PASSPORT": mask_id,
    "HK_MACAO_PERMIT": mask_id,
    "TAIWAN_PERMIT": mask_id,
    "HMT_RESIDENCE_PERMIT": mask_id,
    "FOREIGN_PERMANENT_RESIDENT_ID": mask_id,
    "MILITARY_ID": mask_military_id,
    "BANK_CARD": mask_card,
    "EMAIL": mask_email,
    "ADDRESS": mask_address,
    "DATE_OF_BIRTH": lambda v: mask_keep(v, 0, 0),
    "LICENSE_PLATE": lambda v: mask_keep(v, 2, 1),
    "IP_ADDRESS": lambda v: mask_keep(v, 0, 0),
    "WECHAT_ID": lambda v: mask_keep(v, 1, 1),
    "QQ_NUMBER": lambda v: mask_keep(v, 2, 2),
    "EMERGENCY_CONTACT": mask_contact,
    "UNREVIEWED": mask_all,
}
