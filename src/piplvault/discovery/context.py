"""Words around a match that make it more or less likely to be personal information."""

from __future__ import annotations

import re

#: Numbers right after these words are business identifiers, not personal data.
BUSINESS_NUMBER_WORDS = (
    "订单",
    "单号",
    "编号",
    "编码",
    "会员号",
    "卡券",
    "积分",
    "工单",
    "运单",
    "快递",
    "物流",
    "流水",
    "尾号",
    "SKU",
    "sku",
    "货号",
    "批次",
    "发票号",
    "合同号",
    "金额",
    "条码",
    "序列号",
    "交易号",
    "凭证号",
    "参考号",
    "申请号",
    "业务号",
    "受理号",
    "券码",
    "兑换码",
    "验证码",
    "邀请码",
    "No.",
    "NO.",
)

_PUNCTUATION = re.compile(r"[\s:：#(（]*$")
_FILLER = re.compile(r"(?:号码|号|为|是|:|：|\s)*$")


def follows_word(
    text: str, start: int, words: tuple[str, ...], window: int = 8
) -> bool:
    """Whether one of ``words`` ends just before ``start`` (fillers like ':' allowed)."""
    before = _PUNCTUATION.sub("", text[max(0, start - window) : start])
    return before.endswith(words) or _FILLER.sub("", before).endswith(words)


#: English labels typed straight before a number without a space (ID Card620103…).
_GLUED_LABEL = re.compile(r"(?:^|[^A-Za-z0-9])(?:id|card|no|number|idno)$", re.I)


def after_glued_label(text: str, start: int) -> bool:
    """Whether the letters right before ``start`` are a label word (``ID Card``,
    ``No``), not the head of a code such as ``SF``/``JD`` + digits."""
    return _GLUED_LABEL.search(text[max(0, start - 8) : start]) is not None


def is_business_number(text: str, start: int) -> bool:
    """Whether the number at ``start`` is introduced as an order/SKU/tracking number."""
    return follows_word(text, start, BUSINESS_NUMBER_WORDS)


def trim_lead_ins(
    text: str, start: int, end: int, lead_ins: tuple[str, ...], *, min_cut: int
) -> int:
    """Move ``start`` past lead-in words ("开户行", "收件单位"…) before a name that runs to
    ``end``: first after the last lead-in of at least ``min_cut`` characters inside the
    run, then past any lead-ins at its start, always leaving 4 characters or more."""
    for word in lead_ins:
        if len(word) >= min_cut:
            cut = text.rfind(word, start, end)
            if cut >= 0 and end - (cut + len(word)) >= 4:
                start = max(start, cut + len(word))
    changed = True
    while changed:
        changed = False
        for word in lead_ins:
            if text.startswith(word, start) and end - start - len(word) >= 4:
                start += len(word)
                changed = True
                break
    return start
