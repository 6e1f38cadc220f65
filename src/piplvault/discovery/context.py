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


def is_business_number(text: str, start: int) -> bool:
    """Whether the number at ``start`` is introduced as an order/SKU/tracking number."""
    return follows_word(text, start, BUSINESS_NUMBER_WORDS)
