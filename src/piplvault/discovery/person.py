"""PERSON — Chinese personal names.

A whole value is a name when it is 2-4 ideographs starting with a known surname
(two-character surnames such as 欧阳 and 司马 included), or a transliterated
minority name with a middle dot (艾合买提·买买提). In free text a name also needs
context: a word before it (客户, 联系人, 收件人, 户名…) or a sentence boundary, and a
word or punctuation after it (来电, 先生, 女士, '，'…).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from piplvault.discovery.characters import is_cjk, to_nfkc
from piplvault.discovery.context import follows_word
from piplvault.discovery.lexicon import common_words, divisions, surnames
from piplvault.discovery.registry import Recognizer, register

ENTITY = "PERSON"

_CJK = r"[\u4e00-\u9fff\u3400-\u4dbf]"
_MINORITY = re.compile(
    _CJK + r"{2,8}[·•・．.]" + _CJK + r"{2,8}(?:[·•・．.]" + _CJK + "{2,8})?"
)
_DOTS = "·•・．."

#: Words that introduce a name.
LEFT_WORDS = (
    "转交",
    "交给",
    "交由",
    "名叫",
    "名为",
    "接待人",
    "审批人",
    "操作员",
    "代理人",
    "客户",
    "联系人",
    "收件人",
    "收货人",
    "寄件人",
    "户名",
    "姓名",
    "联系",
    "请联系",
    "经办人",
    "负责人",
    "法定代表人",
    "法人",
    "代表人",
    "业务员",
    "销售",
    "员工",
    "本人",
    "申请人",
    "持卡人",
    "开户人",
    "签收人",
    "委托人",
    "患者",
    "家长",
    "配偶",
    "同事",
    "通知",
    "告知",
    "致电",
    "转告",
    "提醒",
    "由",
    "给",
    "致",
    "和",
    "与",
    "及",
    "、",
    "向",
    "对接人",
    "介绍人",
    "担保人",
    "借款人",
    "投保人",
    "被保险人",
    "受益人",
    "股东",
    "监护人",
    "紧急联系人",
    "客服",
    "经理",
    "主管",
    "老师",
    "医生",
    "司机",
    "快递员",
)
#: Titles that follow a surname (王先生) are not given names.
_TITLES = frozenset(
    "先生 女士 小姐 老师 经理 总监 师傅 阿姨 同学 主任 律师 医生 老板 总 工".split()
)

#: One-character words that introduce a name and are rare as surnames (向 is not here:
#: 向华强 is a name far more often than 向 + 华强).
_SINGLE_LEFT = frozenset("由和与给致及")

#: Words that may follow a name.
RIGHT_WORDS = (
    "负责",
    "经办",
    "接待",
    "处理",
    "跟进",
    "对接",
    "签署",
    "提交",
    "领取",
    "来电",
    "来访",
    "来店",
    "先生",
    "女士",
    "小姐",
    "老师",
    "经理",
    "总",
    "的",
    "说",
    "表示",
    "反馈",
    "投诉",
    "要求",
    "已",
    "于",
    "在",
    "确认",
    "办理",
    "电话",
    "手机",
    "签收",
    "联系",
    "称",
    "本人",
    "同意",
    "申请",
    "和",
    "与",
    "及",
    "等",
    "提出",
    "致电",
    "告知",
    "咨询",
    "购买",
    "支付",
    "退款",
    "将",
    "把",
    "对",
    "是",
    "为",
    "从",
    "到",
    "住",
    "身份证",
    "同学",
    "师傅",
    "阿姨",
    "叔叔",
    "收",
    "代收",
    "签字",
    "签名",
    "本人办理",
    "名下",
    "之",
    "反映",
    "回复",
    "留言",
    "来信",
    "下单",
    "订购",
    "退货",
    "取件",
    "核实",
    "需要",
    "希望",
)
#: Characters that practically never appear in a given name (function words, nouns
#: common in business notes); they stop false names such as 来电 or 高新区.
NOT_NAME = frozenset(
    "的了已要求在是不有与及地得着过们这那个来去说问答件号码址市省区县路街电话询"
    "公司银行店厂户客款单货物流费税票卡账额钱价订购买卖退换送收寄到给被把将让"
    "请您我你他她它吗呢吧啊哦嗯啦也都还就又再只很太更最没否未等各每某其此该"
    "于从向对跟同或而但且因所由通知确认办联系邮手机备注资料证"
)


def normalise(value: str) -> str:
    """NFKC, trimmed, with the middle dot of minority names unified to '·'."""
    text = to_nfkc(value)
    for dot in "•・.":
        text = text.replace(dot, "·")
    return text


def validate(value: str) -> bool:
    """A 2-4 character name with a known surname, or a dotted minority name."""
    text = normalise(value)
    if _MINORITY.fullmatch(text):
        return True
    return _is_han_name(text)


#: A name in a column of names that has no Han surname: transliterated ideographs
#: (伊力哈木, 扎西, 古丽娜尔), parts joined by a middle dot (阿卜杜拉·买买提), or a
#: romanised name (Tashi Dorje).
_TRANSLITERATED = re.compile(_CJK + r"{2,8}(?:·" + _CJK + r"{1,8}){0,3}")
_ROMANISED = re.compile(r"[A-Za-z][A-Za-z'-]+(?: [A-Za-z][A-Za-z'.-]*){0,3}")


def column_name(value: str) -> bool:
    """A cell of a column that holds names (issue 12.5b): any name :func:`validate`
    accepts, or a name without a Han surname. Place names, words that are not names and
    cells with characters no given name has are not."""
    text = normalise(value)
    if validate(text):
        return True
    if _ROMANISED.fullmatch(text):
        return True
    if not _TRANSLITERATED.fullmatch(text) or len(text.replace("·", "")) > 12:
        return False
    if text in divisions() or text in common_words():
        return False
    return not any(c in _NOT_TRANSLITERATED for c in text)


#: Characters that mark a non-name in a name column (NOT_NAME is too strict here: 买买提
#: and 提 are common in Uyghur names).
_NOT_TRANSLITERATED = frozenset(
    "的了是不有无未测试公司店厂银行局院部所室号码址路街巷区市省县镇村楼栋单元"
    "货款费票卡账额价订购退换送收寄电话邮箱备注资料客户商品"
)


def find(text: str) -> Iterator[tuple[int, int]]:
    """Names in half-width text, by surname plus surrounding context."""
    taken: set[int] = set()
    for match in _MINORITY.finditer(text):
        start, end = _trim_minority(text, match.start(), match.end())
        if end - start >= 5:
            taken.update(range(start, end))
            yield start, end
    single, double = surnames()
    for match in _name_starts().finditer(text):
        i = match.end()
        if i in taken or _yields_to_next(text, i) or _after_amount(text, i):
            continue
        for slen in (2, 1):
            surname = text[i : i + slen]
            if (surname not in double) if slen == 2 else (surname not in single):
                continue
            name_end = _name_end(text, i, slen)
            if name_end:
                yield i, name_end
                taken.update(range(i, name_end))
                break


#: Currency and unit characters that are also surnames (元, 万, 钱…): right after an
#: amount they are money, not a person (200元整).
_CURRENCY = frozenset("元万千百角分钱")


def _after_amount(text: str, i: int) -> bool:
    return i > 0 and text[i] in _CURRENCY and text[i - 1].isdigit()


@cache
def _name_starts() -> re.Pattern[str]:
    """Where a name may start: after a word such as 客户, or where ideographs begin."""
    single, double = surnames()
    first = "[" + "".join(sorted(set(single) | {name[0] for name in double})) + "]"
    words = "|".join(sorted(LEFT_WORDS, key=len, reverse=True))
    return re.compile(f"(?<!{_CJK})(?={first})|(?:{words})(?={first})")


def _is_han_name(text: str) -> bool:
    if not 2 <= len(text) <= 4 or not all(is_cjk(c) for c in text):
        return False
    single, double = surnames()
    if text[:2] in double and len(text) >= 3:
        given = text[2:]
    elif text[0] in single and len(text) <= 3:
        given = text[1:]
    else:
        return False
    return not any(c in NOT_NAME for c in given)


def _yields_to_next(text: str, i: int) -> bool:
    """由张伟负责: 由 is a surname but here introduces the name that follows it
    (after a word such as 客户, as in 客户和桂静, it is the surname)."""
    single, _ = surnames()
    return (
        text[i] in _SINGLE_LEFT
        and not follows_word(text, i, LEFT_WORDS)
        and i + 1 < len(text)
        and text[i + 1] in single
        and _name_end(text, i + 1, 1) is not None
    )


def _name_end(text: str, start: int, slen: int) -> int | None:
    """End of the name starting at ``start``: two or one given-name characters,
    whichever is followed by the stronger right context (王芳签收 -> 王芳)."""
    best: tuple[int, int] | None = None  # (strength, end)
    for given in (2, 1):
        end = start + slen + given
        if end > len(text):
            continue
        name = text[start:end]
        if not all(is_cjk(c) for c in name) or any(c in NOT_NAME for c in name[slen:]):
            continue
        if name in common_words() or name[slen:] in _TITLES:
            continue
        strength = _right_strength(text, end)
        if strength and (best is None or strength > best[0]):
            best = (strength, end)
    return best[1] if best else None


def _right_strength(text: str, end: int) -> int:
    """2: punctuation, end or a two-character word follows; 1: a one-character word."""
    if end == len(text) or not is_cjk(text[end]):
        return 2
    for word in RIGHT_WORDS:
        if text.startswith(word, end):
            return 2 if len(word) > 1 else 1
    return 0


def _has_left_context(text: str, start: int) -> bool:
    if start == 0 or not is_cjk(text[start - 1]):
        return True
    return text[max(0, start - 6) : start].endswith(LEFT_WORDS)


def _trim_minority(text: str, start: int, end: int) -> tuple[int, int]:
    head = text[start:end]
    first_dot = min(i for i, c in enumerate(head) if c in _DOTS)
    for cut in range(first_dot - 2, 0, -1):
        if head[:cut].endswith(LEFT_WORDS) or not is_cjk(head[cut - 1]):
            start += cut
            break
    last_dot = start + max(i for i, c in enumerate(text[start:end]) if c in _DOTS)
    for cut in range(last_dot + 3, end):
        if text.startswith(RIGHT_WORDS, cut):
            return start, cut
    return start, end


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "姓名",
            "名字",
            "客户名",
            "联系人",
            "收件人",
            "户名",
            "法人",
            "负责人",
            "name",
            "contact",
            "持卡人",
            "开户名",
            "经办人",
            "xingming",
            "联系人姓名",
        ),
        priority=70,
        # every name found starts at a surname or a run of ideographs (none is ASCII)
        trigger=re.compile(r"[^\x00-\x7f]"),
    )
)
