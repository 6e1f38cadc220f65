"""ORG_NAME — names of companies and other organisations (…有限公司, …集团, …工作室).

A whole value is an organisation name when it ends with a legal-form or organisation
suffix and holds no sentence punctuation. In free text only the strong suffixes
count (有限公司, 集团, 工作室, 合伙企业, 事务所…), and words that introduce the name
(客户, 开票, 单位…) are trimmed from its start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.context import trim_lead_ins
from piplvault.discovery.registry import Recognizer, register

ENTITY = "ORG_NAME"

STRONG_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "工作室",
    "个体工商户",
    "个体户",
    "合伙企业(有限合伙)",
    "合伙企业(普通合伙)",
    "合伙企业",
    "事务所",
    "合作社",
    "经营部",
    "门市部",
    "商行",
    "研究院",
    "分公司",
    "办事处",
)
WEAK_SUFFIXES = (
    "厂",
    "店",
    "中心",
    "协会",
    "学校",
    "医院",
    "酒店",
    "超市",
    "商店",
    "诊所",
    "幼儿园",
    "学院",
    "大学",
    "研究所",
    "基金会",
    "商会",
    "联合会",
    "农场",
    "餐厅",
    "药房",
    "网吧",
    "中学",
    "小学",
    "卫生院",
    "卫生所",
    "局",
    "委员会",
    "法院",
    "检察院",
    "派出所",
    "政府",
    "出版社",
    "报社",
    "电视台",
    "图书馆",
    "博物馆",
)
#: A department after the organisation (示例科技有限公司财务部): the name is still one.
_DEPARTMENT = re.compile(r"(?:[\u4e00-\u9fff]{1,6}(?:部|科|处|办公室|事业部|中心))$")
_CORE = r"[\u4e00-\u9fff\u3400-\u4dbfA-Za-z0-9()（）·&]"
_STRONG = "|".join(re.escape(s) for s in STRONG_SUFFIXES)
_SUFFIX = re.compile("(?:" + _STRONG + r")(?:\((?:特殊普通|有限|普通)合伙\))?")
#: The name before a suffix: up to 40 name characters ending right at the suffix.
_NAME_BEFORE = re.compile(_CORE + "{2,40}$")
_MORE = re.compile(
    "(?![与和及、或的])"
    + _CORE
    + "{0,30}?(?:"
    + _STRONG
    + r")(?:\((?:特殊普通|有限|普通)合伙\))?"
)
_QUICK = re.compile(
    "公司|集团|工作室|个体|合伙|事务所|合作社|经营部|门市部|商行|研究院|办事处"
)
_PUNCTUATION = re.compile(r"[，。；！？,;!?：:\s]")
#: Words that introduce a company name and are not part of it.
LEAD_INS = (
    "开票信息",
    "开票",
    "客户",
    "单位",
    "公司名称",
    "名称",
    "我司",
    "贵司",
    "委托",
    "收款方",
    "付款方",
    "供应商",
    "甲方",
    "乙方",
    "合作方",
    "转账给",
    "汇款至",
    "汇至",
    "付至",
    "为",
    "是",
    "至",
    "向",
    "给",
    "在",
    "由",
    "从",
    "了",
    "于",
    "就职于",
    "任职于",
    "来自",
    "代表",
    "抬头",
    "发票抬头",
    "收件单位",
    "付款单位",
    "收款单位",
    "寄给",
    "发给",
    "寄往",
)
_GENERIC = frozenset(
    {
        "本公司",
        "贵公司",
        "我公司",
        "该公司",
        "子公司",
        "分公司",
        "总公司",
        "母公司",
        "快递公司",
        "物流公司",
        "保险公司",
        "银行公司",
        "集团公司",
    }
)


def normalise(value: str) -> str:
    """NFKC (full-width brackets become ASCII) and trimmed."""
    return to_nfkc(value)


def validate(value: str) -> bool:
    """Ends with an organisation suffix, at least 4 characters, no sentence marks."""
    name = normalise(value)
    if name.isascii():  # every suffix and department word holds ideographs
        return False
    return _names_an_organisation(name)


def _names_an_organisation(name: str) -> bool:
    """:func:`validate` of a normalised name, without the ASCII prefilter
    (tests/discovery/test_properties.py checks the prefilter against it)."""
    if not 4 <= len(name) <= 80 or _PUNCTUATION.search(name) or name in _GENERIC:
        return False
    bare = name.rstrip(")）")  # …合伙企业（有限合伙）, …事务所（特殊普通合伙）
    if name.endswith(STRONG_SUFFIXES + WEAK_SUFFIXES) or bare.endswith("合伙"):
        return True
    department = _DEPARTMENT.search(name)
    if department is None:
        return False
    return any(
        name[:cut].endswith(STRONG_SUFFIXES)
        for cut in range(department.start(), len(name) - 1)
        if cut >= 4
    )


def find(text: str) -> Iterator[tuple[int, int]]:
    """Organisation names with a strong suffix in half-width text."""
    if not _QUICK.search(text):
        return
    last = 0
    for suffix in _SUFFIX.finditer(text):
        if suffix.start() < last:
            continue
        name = _NAME_BEFORE.search(text, last, suffix.start())
        if name is None:
            continue
        start, end = name.start(), suffix.end()
        while more := _MORE.match(text, end):
            end = more.end()
        last = end
        start = trim_lead_ins(text, start, end, LEAD_INS, min_cut=3)
        if (
            end - start >= 4
            and text[start:end] not in _GENERIC
            and "银行" not in text[start:end]
        ):
            yield start, end


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "公司",
            "企业名称",
            "单位",
            "机构",
            "company",
            "org",
            "employer",
            "商户",
            "客户名称",
            "工作单位",
            "开票抬头",
        ),
        priority=60,
    )
)
