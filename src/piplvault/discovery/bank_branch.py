"""BANK_BRANCH — 开户行: a bank, optionally with its branch (…银行…支行/分行)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.context import trim_lead_ins
from piplvault.discovery.registry import Recognizer, register

ENTITY = "BANK_BRANCH"

_INSTITUTION = r"(?:农村商业银行|农村合作银行|村镇银行|银行|农村信用合作联社|信用合作联社|信用社|农商行)"
_BRANCH = r"(?:支行|分行|营业部|分理处|储蓄所|营业所|营业室|分社|总行)"
_CJK = r"[\u4e00-\u9fff]"
_FIND = re.compile(
    _CJK + r"{2,12}?" + _INSTITUTION + r"(?:股份有限公司|有限责任公司|有限公司)?"
    r"(?:" + _CJK + r"{0,16}?" + _BRANCH + r")*(?!卡|账|帐|流水|转账|汇款|APP|app)"
)
_WHOLE = re.compile(r"[\u4e00-\u9fff()A-Za-z]{2,40}?" + _INSTITUTION + r".*")
_QUICK = re.compile("银行|信用社|联社|农商行")
_PUNCTUATION = re.compile(r"[，。；！？,;!?：:\s\d]")
#: Full names of common banks; a match is cut to start at one of these when possible.
BANKS = (
    "中国工商银行",
    "工商银行",
    "中国农业银行",
    "农业银行",
    "中国银行",
    "中国建设银行",
    "建设银行",
    "交通银行",
    "招商银行",
    "中国邮政储蓄银行",
    "邮政储蓄银行",
    "邮储银行",
    "中信银行",
    "中国光大银行",
    "光大银行",
    "华夏银行",
    "中国民生银行",
    "民生银行",
    "广发银行",
    "平安银行",
    "兴业银行",
    "上海浦东发展银行",
    "浦发银行",
    "浙商银行",
    "渤海银行",
    "恒丰银行",
    "北京银行",
    "上海银行",
    "江苏银行",
    "宁波银行",
    "南京银行",
    "杭州银行",
    "徽商银行",
    "重庆银行",
    "天津银行",
    "广州银行",
    "成都银行",
    "长沙银行",
    "盛京银行",
    "哈尔滨银行",
    "贵阳银行",
    "郑州银行",
    "青岛银行",
    "西安银行",
    "厦门银行",
    "微众银行",
    "网商银行",
    "汇丰银行",
    "渣打银行",
    "花旗银行",
    "东亚银行",
)
#: Common abbreviations (工行, 建行…): a value that starts with one names the bank.
ABBREVIATIONS = (
    "工行",
    "农行",
    "建行",
    "中行",
    "交行",
    "招行",
    "邮储",
    "浦发",
    "民生",
    "光大",
    "兴业",
    "中信",
    "广发",
    "华夏",
)
_BRANCH_SUFFIXES = (
    "支行",
    "分行",
    "营业部",
    "分理处",
    "储蓄所",
    "营业所",
    "营业室",
    "分社",
    "总行",
)
_SPACES = re.compile(r"\s+")
LEAD_INS = (
    "退款至",
    "退款到",
    "转账到",
    "转账至",
    "汇款到",
    "汇款至",
    "存到",
    "汇到",
    "转到",
    "退回",
    "退至",
    "转入",
    "转至",
    "汇入",
    "汇至",
    "打到",
    "存入",
    "开户行",
    "开户银行",
    "开户",
    "账户",
    "至",
    "到",
    "在",
    "为",
    "是",
    "的",
    "从",
    "于",
)


def normalise(value: str) -> str:
    """NFKC and trimmed."""
    return to_nfkc(value)


def validate(value: str) -> bool:
    """Names a bank or credit union (and optionally its branch), nothing else; spaces
    between levels (中国银行 北京分行) and abbreviations (工行, 建行朝阳支行) included."""
    text = _SPACES.sub("", normalise(value))
    if text.isascii():  # every bank word and abbreviation holds ideographs
        return False
    return _names_a_bank(text)


def _names_a_bank(text: str) -> bool:
    """:func:`validate` of a normalised text without spaces, without the ASCII
    prefilter (tests/discovery/test_properties.py checks the prefilter against it)."""
    if text in ABBREVIATIONS[:7]:  # 工行…邮储 alone; 民生, 光大… need a branch
        return True
    if text.startswith(ABBREVIATIONS) and len(text) <= 40:
        return text.endswith(_BRANCH_SUFFIXES) and not _PUNCTUATION.search(text)
    if not 4 <= len(text) <= 60 or _PUNCTUATION.search(
        text.replace("(", "").replace(")", "")
    ):
        return False
    match = _WHOLE.fullmatch(text)
    if match is None:
        return False
    if text.endswith(("有限公司", "有限责任公司")):
        return "银行" in text
    return text.endswith(("银行", "信用社", "联社", "农商行", *_BRANCH_SUFFIXES))


def find(text: str) -> Iterator[tuple[int, int]]:
    """Bank and branch names in half-width text."""
    if not _QUICK.search(text):
        return
    for match in _FIND.finditer(text):
        start, end = match.start(), match.end()
        head = text[start:end]
        known = [head.find(b) for b in BANKS if b in head]
        if known:
            start += min(known)
        else:
            start = trim_lead_ins(text, start, end, LEAD_INS, min_cut=2)
        if end - start >= 4:
            yield start, end


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "开户行",
            "开户银行",
            "银行名称",
            "开户网点",
            "bank",
            "branch",
            "开户支行",
            "所属银行",
        ),
        priority=40,
    )
)
