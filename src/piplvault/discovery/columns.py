"""Decide what each column of a table holds, from its header and a sample of values.

Fail closed (issue 12): a column whose header names a personal-data type keeps that type
whatever its values (values that fail validation are flagged cell by cell, never a reason
to downgrade); a column is ``non_pii`` only on positive evidence (a business header such as
订单号 or 金额, amounts, short enumerations such as 男/女, place names) and anything
uncertain is ``UNREVIEWED`` personal data until a person maps it. Without a header that
names a type, values decide: a column whose sampled values are mostly valid for one
recognizer is that entity; a column holding sentences is free text; a column mixing people
and companies (客户名称) or mobiles and landlines gets ``mixed=True`` and is labelled cell
by cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from piplvault.core.classification import FREE_TEXT, classify_entity
from piplvault.core.doctypes import DOCUMENT_FAMILY
from piplvault.discovery.cells import MULTI_VALUED, cell_values, clean_cell
from piplvault.discovery.characters import is_cjk
from piplvault.discovery.headers import Header, mentions, parse_header
from piplvault.discovery.lexicon import divisions
from piplvault.discovery.person import column_name
from piplvault.discovery.registry import Recognizer, all_recognizers, get_recognizer

#: Headers of columns that hold notes and other sentences.
FREE_TEXT_HEADERS = (
    "备注",
    "说明",
    "描述",
    "留言",
    "内容",
    "记录",
    "意见",
    "反馈",
    "摘要",
    "详情",
    "情况",
    "附言",
    "沟通",
    "跟进",
    "note",
    "remark",
    "comment",
    "memo",
    "description",
    "message",
    "detail",
    "text",
)
#: Headers of business columns (ids, amounts, dates): never personal information unless
#: the header also names an entity (证件编号, 下单手机号).
BUSINESS_HEADERS = (
    "订单",
    "单号",
    "编号",
    "sku",
    "货号",
    "金额",
    "价格",
    "日期",
    "时间",
    "数量",
    "类型",
    "状态",
    "流水",
    "order",
    "amount",
    "price",
    "date",
    "time",
    "qty",
    "status",
    "type",
    "序号",
    "code",
    "no.",
    "会员卡",
    "会员编号",
    "会员号",
    "积分",
    "品名",
    "产品",
    "product",
    "运单",
    "快递单",
    "物流",
    "商品",
    "条码",
    "barcode",
    "tracking",
    "waybill",
    "性别",
    "gender",
    "sex",
)
#: Words that make a header's entity word mean something else: a 会员卡号 is not a bank
#: card, a 商品名称 not a person's name, a 运单号 nobody's ID.
NOT_THIS = {
    "BANK_CARD": (
        "会员",
        "积分",
        "礼品",
        "购物卡",
        "储值",
        "优惠",
        "member",
        "loyalty",
        "gift",
        "vip",
        "coupon",
    ),
    "PERSON": (
        "商品",
        "产品",
        "品名",
        "货品",
        "文件",
        "店铺",
        "门店",
        "品牌",
        "product",
        "item",
        "file",
        "shop",
        "store",
        "brand",
    ),
    "*": ("运单", "快递单", "物流单", "waybill", "tracking", "sku"),
}
for _document in DOCUMENT_FAMILY:
    # 证件类型 (身份证/护照) names the kind of document, not a number
    NOT_THIS[_document] = ("类型", "种类", "类别", "type", "kind")
#: Entities whose validators carry a checksum: enough valid values overrule a business
#: header (a column headed 编号 that holds valid ID numbers holds ID numbers).
CHECKSUMMED = ("CN_RESIDENT_ID", "CN_USCC", "BANK_CARD", "EMAIL")
#: Values that are positive evidence of a non-personal enumeration.
ENUM_VALUES = frozenset(
    "男 女 未知 是 否 有 无 y n yes no true false 个人 企业 公司 单位 自然人 个体 "
    "已完成 未完成 进行中 已取消 待处理 已处理 正常 异常 有效 无效 启用 停用 "
    "高 中 低 a b c d vip 普通 新客 老客".split()
)
_AMOUNT = re.compile(
    r"[-+]?[¥$￥]?(?:\d{1,3}(?:,\d{3})+|\d{1,6})(?:\.\d+)?%?(?:元|万元|件|个)?"
)
#: Entities that share columns: a 客户名称 column holds people and companies, a 联系电话
#: column mobiles and landlines. Such columns are labelled cell by cell.
#: Within a family, cells are checked in this order (a company suffix is the stronger
#: signal than a surname).
FAMILIES = (
    ("ORG_NAME", "PERSON"),
    ("CN_MOBILE", "CN_LANDLINE", "EMAIL"),
    DOCUMENT_FAMILY,
)
#: Ties within a family go to the more common member: people, mobiles, ID numbers.
_PREFERRED = frozenset({"PERSON", "CN_MOBILE", "CN_RESIDENT_ID"})
_SENTENCE = re.compile(r"[，。；！？,.;!?]")


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnDecision:
    """What one column holds and how it is classified."""

    name: str
    kind: str  # "pii" | "free_text" | "non_pii"
    entity: str | None
    mixed: bool
    sensitivity: str | None
    grade: int | None
    category: str | None
    confidence: float
    valid_ratio: float
    #: Why a person should look at this column (few valid values, unreviewed), or None.
    hint: str | None = None


def classify_columns(
    headers: Sequence[str], sample_rows: Iterable[Sequence[str]]
) -> list[ColumnDecision]:
    """One decision per header, from the header text and the sampled rows."""
    columns: list[list[str]] = [[] for _ in headers]
    for row in sample_rows:
        for index, cell in enumerate(row[: len(headers)]):
            value = clean_cell(cell)
            if value:
                columns[index].append(value)
    return [
        decide_column(name, values)
        for name, values in zip(headers, columns, strict=True)
    ]


def decide_column(name: str, values: Sequence[str]) -> ColumnDecision:
    """The decision for one column given its non-empty, NFKC-normalised values."""
    header = parse_header(name)
    hinted = header_entities(header)
    business = mentions(header, BUSINESS_HEADERS) and not hinted
    if mentions(header, FREE_TEXT_HEADERS) and not hinted:
        return free_text_decision(name, 1.0)
    ratios = _valid_ratios(values, hinted) if values else {}
    if (
        "PERSON" not in hinted
        and ratios.get("PERSON")
        and _share_of_places(values) >= 0.5
    ):
        # 广州, 金华, 高平: a column of place names, though each could be a name.
        ratios["PERSON"] = 0.0
    if business:
        # 订单号, 商品SKU, 下单日期: business data even when the values happen to
        # validate (order numbers shaped like IDs, SKUs like mobiles, any date) — unless
        # checksums say otherwise.
        for entity in CHECKSUMMED:
            if ratios.get(entity, 0.0) >= 0.8:
                return pii_decision(name, entity, ratios[entity] * 0.9, ratios[entity])
        return non_pii_decision(name, max(ratios.values(), default=0.0))
    if not values and not hinted:
        return non_pii_decision(name, 0.0)
    mixed = _mixed_decision(name, ratios, hinted)
    if mixed is not None:
        return mixed
    best = _best_entity(ratios, hinted)
    if best is not None:
        entity, ratio = best
        confidence = min(1.0, ratio * 0.9 + (0.1 if entity in hinted else 0.0))
        return pii_decision(name, entity, confidence, ratio)
    if hinted:
        return _named_by_header(name, ratios, hinted)
    if _looks_like_sentences(values):
        return free_text_decision(name, 0.8)
    if _not_personal(values):
        return non_pii_decision(name, max(ratios.values(), default=0.0))
    return pii_decision(
        name,
        "UNREVIEWED",
        0.0,
        max(ratios.values(), default=0.0),
        hint="no recognizer claims this column: kept as personal data until mapped "
        "(--map COLUMN=ENTITY)",
    )


def header_entities(header: Header | str) -> set[str]:
    """Entities the header names, without those its other words rule out."""
    if isinstance(header, str):
        header = parse_header(header)
    if mentions(header, NOT_THIS["*"]):
        return set()
    return {
        r.entity
        for r in all_recognizers()
        if mentions(header, r.headers)
        and not mentions(header, NOT_THIS.get(r.entity, ()))
    }


def _named_by_header(
    name: str, ratios: dict[str, float], hinted: set[str]
) -> ColumnDecision:
    """A column whose header names a type but whose values mostly fail it: it keeps the
    type (fail closed), and the scan says how many values are valid and why."""
    order = {r.entity: r.priority for r in all_recognizers()}
    for family in FAMILIES:
        if len(set(family) & hinted) >= 2:
            ratio = sum(ratios.get(e, 0.0) for e in family)
            return pii_decision(
                name,
                family[0],
                0.5,
                min(1.0, ratio),
                mixed=True,
                hint=_few_valid(ratio),
            )
    entity = min(hinted, key=lambda e: (-ratios.get(e, 0.0), order[e]))
    ratio = ratios.get(entity, 0.0)
    return pii_decision(name, entity, 0.5, ratio, hint=_few_valid(ratio))


def _few_valid(ratio: float) -> str:
    return (
        f"the header names this type but only {ratio:.0%} of the values are valid; "
        "the rest are flagged cell by cell (numbers Excel shows as 1.1E+17 or with "
        "lost digits need the column formatted as text)"
    )


def _not_personal(values: Sequence[str]) -> bool:
    """Positive evidence that a column is business data: every value is an amount or a
    small count, or one of a few enumeration words, or a place name; and no value is
    anything a recognizer accepts."""
    distinct = list(dict.fromkeys(values))[:300]
    places = divisions()
    shaped = all(
        _AMOUNT.fullmatch(v) or v.lower() in ENUM_VALUES or v in places
        for v in distinct
    )
    if not shaped:
        return False
    return all(v in places or label_cell(None, v) is None for v in distinct)


#: Every recognizer sees this many values first; only those that accept some of them
#: (or that the header names) are run over the whole sample.
_FIRST_LOOK = 100


def _valid_ratios(values: Sequence[str], hinted: set[str]) -> dict[str, float]:
    ratios: dict[str, float] = {}
    head = values[:_FIRST_LOOK]
    for recognizer in all_recognizers():
        if recognizer.needs_header and recognizer.entity not in hinted:
            continue
        check = _checker(recognizer)
        if recognizer.entity == "PERSON" and "PERSON" in hinted:
            check = column_name  # under 姓名, 扎西 is a name (issue 12.5b)
        valid = sum(1 for v in head if check(v))
        if len(values) > len(head) and (valid or recognizer.entity in hinted):
            valid = sum(1 for v in values if check(v))
            ratios[recognizer.entity] = valid / len(values)
        else:
            ratios[recognizer.entity] = valid / len(head)
    return ratios


def _checker(recognizer: Recognizer) -> Callable[[str], bool]:
    if recognizer.entity in MULTI_VALUED:
        entity = recognizer.entity
        return lambda v: accepts(entity, v)
    return recognizer.validate


def _best_entity(
    ratios: dict[str, float], hinted: set[str]
) -> tuple[str, float] | None:
    order = {r.entity: r.priority for r in all_recognizers()}
    ranked = sorted(ratios.items(), key=lambda item: (-item[1], order[item[0]]))
    for entity, ratio in ranked:
        if entity in hinted and ratio >= 0.5:
            return entity, ratio
    if not ranked:
        return None
    entity, ratio = ranked[0]
    return (entity, ratio) if ratio >= 0.8 else None


def _mixed_decision(
    name: str, ratios: dict[str, float], hinted: set[str]
) -> ColumnDecision | None:
    for family in FAMILIES:
        shares = {entity: ratios.get(entity, 0.0) for entity in family}
        total = sum(shares.values())
        if sum(1 for share in shares.values() if share >= 0.05) < 2 or total < 0.8:
            continue
        entity = max(family, key=lambda e: (shares[e], e in _PREFERRED))
        agrees = bool(hinted & set(family))
        confidence = min(1.0, total * 0.9 + (0.1 if agrees else 0.0))
        return pii_decision(name, entity, confidence, min(1.0, total), mixed=True)
    return None


def _share_of_places(values: Sequence[str]) -> float:
    names = divisions()
    head = values[:_FIRST_LOOK]
    return sum(1 for v in head if v in names) / len(head)


def _looks_like_sentences(values: Sequence[str]) -> bool:
    long = [
        v
        for v in values
        if len(v) >= 10 and _SENTENCE.search(v) and sum(map(is_cjk, v)) >= 4
    ]
    return len(long) >= 0.3 * len(values)


def pii_decision(
    name: str,
    entity: str,
    confidence: float,
    ratio: float,
    *,
    mixed: bool = False,
    hint: str | None = None,
) -> ColumnDecision:
    klass = classify_entity(entity)
    if mixed and entity == "ORG_NAME":
        # A column holding people as well as companies is personal information.
        klass = classify_entity("PERSON")
    return ColumnDecision(
        name=name,
        kind="pii",
        entity=entity,
        mixed=mixed,
        sensitivity=klass.sensitivity.value if klass.sensitivity else None,
        grade=klass.grade,
        category=klass.category.value,
        confidence=round(confidence, 3),
        valid_ratio=round(ratio, 3),
        hint=hint,
    )


def free_text_decision(name: str, confidence: float) -> ColumnDecision:
    return ColumnDecision(
        name=name,
        kind="free_text",
        entity=None,
        mixed=False,
        sensitivity=FREE_TEXT.sensitivity.value if FREE_TEXT.sensitivity else None,
        grade=FREE_TEXT.grade,
        category=FREE_TEXT.category.value,
        confidence=confidence,
        valid_ratio=0.0,
    )


def non_pii_decision(name: str, best_ratio: float) -> ColumnDecision:
    return ColumnDecision(
        name=name,
        kind="non_pii",
        entity=None,
        mixed=False,
        sensitivity=None,
        grade=None,
        category=None,
        confidence=round(1.0 - best_ratio, 3),
        valid_ratio=round(best_ratio, 3),
    )


def label_cell(entity_hint: str | None, value: str) -> str | None:
    """The entity of one cell: ``entity_hint`` or its family member (people and
    companies, mobiles and landlines) if valid, any valid entity without a hint,
    else None. The cell is cleaned first (``'138…``, ``手机：138…``); a cell holding
    several values is that entity when every value is."""
    text = clean_cell(value)
    if not text:
        return None
    for family in FAMILIES:
        if entity_hint in family:
            for entity in family:
                if accepts(entity, text):
                    return entity
            if "PERSON" in family and column_name(text):
                return "PERSON"  # a name without a Han surname (issue 12.5b)
            if entity_hint in MULTI_VALUED:
                parts = cell_values(entity_hint, text)
                if len(parts) > 1 and all(
                    any(accepts(e, p) for e in family) for p in parts
                ):
                    return label_cell(entity_hint, parts[0])
            return None
    if entity_hint is not None:
        return entity_hint if accepts(entity_hint, text) else None
    for recognizer in _unhinted():
        if recognizer.validate(text):
            return recognizer.entity
    return None


def accepts(entity: str, text: str) -> bool:
    """Whether a cleaned cell is a valid ``entity`` (every value, if it holds several)."""
    validate = get_recognizer(entity).validate
    if entity in MULTI_VALUED:
        parts = cell_values(entity, text)
        return bool(parts) and all(validate(p) for p in parts)
    return validate(text)


def _unhinted() -> list[Recognizer]:
    return [r for r in all_recognizers() if not r.needs_header]
