"""Individuals' rights requests (PIPL Arts. 44–50): types, states, refusal grounds, due dates.

Pure domain rules, no I/O. A request is *received* (the clock starts here, R-NDS-23-1), the
requester's identity is *verified*, work is *in progress*, and it ends *fulfilled* or
*refused* with a ground the law allows (Art. 50 requires reasons); an *extended* request is
still open with a later due date. PIPL sets no number of days ("promptly", 及时): the service
level is a setting counted in working days on the State Council holiday calendar, and every
due date carries the source of the number it used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from piplvault.errors import ValidationError


class RequestType(StrEnum):
    """What the person asks for (one article each)."""

    ACCESS = "access"  # Art. 45 paras. 1-2: consult and copy
    PORTABILITY = "portability"  # Art. 45 para. 3: to the person or a named handler
    CORRECTION = "correction"  # Art. 46
    DELETION = "deletion"  # Art. 47
    EXPLANATION = "explanation"  # Art. 48
    WITHDRAWAL = "withdrawal"  # Art. 15: consent withdrawal
    AUTOMATED_DECISION = "automated-decision"  # Art. 24 para. 3
    NEXT_OF_KIN = "next-of-kin"  # Art. 49: close relative of a deceased person


class State(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    FULFILLED = "fulfilled"
    REFUSED = "refused"


OPEN_STATES = frozenset(
    {State.RECEIVED, State.VERIFIED, State.IN_PROGRESS, State.EXTENDED}
)

#: Allowed moves; fulfilment needs a verified identity, a refusal may come at any point.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.VERIFIED, State.REFUSED}),
    State.VERIFIED: frozenset(
        {State.IN_PROGRESS, State.EXTENDED, State.FULFILLED, State.REFUSED}
    ),
    State.IN_PROGRESS: frozenset({State.EXTENDED, State.FULFILLED, State.REFUSED}),
    State.EXTENDED: frozenset({State.IN_PROGRESS, State.FULFILLED, State.REFUSED}),
    State.FULFILLED: frozenset(),
    State.REFUSED: frozenset(),
}

ARTICLES: dict[RequestType, str] = {
    RequestType.ACCESS: "PIPL Art. 45 paras. 1-2",
    RequestType.PORTABILITY: "PIPL Art. 45 para. 3; NDSMR Art. 25",
    RequestType.CORRECTION: "PIPL Art. 46",
    RequestType.DELETION: "PIPL Art. 47",
    RequestType.EXPLANATION: "PIPL Art. 48",
    RequestType.WITHDRAWAL: "PIPL Art. 15",
    RequestType.AUTOMATED_DECISION: "PIPL Art. 24 para. 3",
    RequestType.NEXT_OF_KIN: "PIPL Art. 49; Civil Code Art. 1045",
}

TYPE_ZH: dict[RequestType, str] = {
    RequestType.ACCESS: "查阅、复制个人信息",
    RequestType.PORTABILITY: "转移个人信息",
    RequestType.CORRECTION: "更正、补充个人信息",
    RequestType.DELETION: "删除个人信息",
    RequestType.EXPLANATION: "解释说明个人信息处理规则",
    RequestType.WITHDRAWAL: "撤回同意",
    RequestType.AUTOMATED_DECISION: "拒绝仅通过自动化决策的方式作出决定",
    RequestType.NEXT_OF_KIN: "近亲属对死者个人信息行使权利",
}

#: What a close relative may ask for on a deceased person's behalf (Art. 49).
KIN_WANTS = (RequestType.ACCESS, RequestType.CORRECTION, RequestType.DELETION)

#: Close relatives (近亲属) under Civil Code Art. 1045.
RELATIONSHIPS: dict[str, str] = {
    "spouse": "配偶",
    "parent": "父母",
    "child": "子女",
    "sibling": "兄弟姐妹",
    "grandparent": "祖父母、外祖父母",
    "grandchild": "孙子女、外孙子女",
}

CHANNELS: dict[str, str] = {
    "counter": "柜台",
    "phone": "电话",
    "email": "电子邮件",
    "letter": "信函",
    "app": "应用程序",
    "web": "网站",
    "other": "其他",
}

#: How identity was checked; never by asking for more than the vault holds (R-NDS-23-1).
IDENTITY_METHODS: dict[str, str] = {
    "in-person": "当面核验证件",
    "sms-code": "向预留手机号发送验证码",
    "email-code": "向预留邮箱发送验证码",
    "account-login": "登录本人账户",
    "id-match": "核对预留身份证号",
    "notarised": "公证文书",
    "other": "其他方式",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusalGround:
    """A reason the law allows for refusing (Art. 50: a refusal must give reasons)."""

    code: str
    zh: str
    en: str
    statute: str
    statute_zh: str


REFUSAL_GROUNDS: dict[str, RefusalGround] = {
    g.code: g
    for g in (
        RefusalGround(
            code="identity-unverified",
            zh="无法核验请求人的身份",
            en="The requester's identity could not be verified",
            statute="PIPL Art. 50; NDSMR Art. 23",
            statute_zh="《个人信息保护法》第五十条；《网络数据安全管理条例》第二十三条",
        ),
        RefusalGround(
            code="law-requires-confidentiality",
            zh="法律、行政法规规定应当保密或者不需要告知",
            en="Laws or administrative regulations require confidentiality or no notice",
            statute="PIPL Arts. 18, 35, 45 para. 1",
            statute_zh="《个人信息保护法》第十八条、第三十五条、第四十五条第一款",
        ),
        RefusalGround(
            code="law-provides-otherwise",
            zh="法律、行政法规另有规定",
            en="Laws or administrative regulations provide otherwise",
            statute="PIPL Art. 44",
            statute_zh="《个人信息保护法》第四十四条",
        ),
        RefusalGround(
            code="portability-conditions-unmet",
            zh="不符合个人信息转移的条件（身份可核验、基于同意或合同、技术可行、不损害他人权益）",
            en="The conditions for transfer are not met (verifiable identity, consent or "
            "contract, technical feasibility, no harm to others)",
            statute="PIPL Art. 45 para. 3; NDSMR Art. 25",
            statute_zh="《个人信息保护法》第四十五条第三款；《网络数据安全管理条例》第二十五条",
        ),
        RefusalGround(
            code="deceased-arranged-otherwise",
            zh="死者生前另有安排",
            en="The deceased arranged otherwise during their lifetime",
            statute="PIPL Art. 49",
            statute_zh="《个人信息保护法》第四十九条",
        ),
        RefusalGround(
            code="not-close-relative",
            zh="请求人不是死者的近亲属，或未说明自身合法、正当利益",
            en="The requester is not a close relative of the deceased, or states no "
            "lawful and legitimate interest of their own",
            statute="PIPL Art. 49; Civil Code Art. 1045",
            statute_zh="《个人信息保护法》第四十九条；《民法典》第一千零四十五条",
        ),
    )
}

#: The product default service level and where the number comes from (requirements §3).
DEFAULT_WORKING_DAYS = 15
BENCHMARK_SOURCE = (
    "PIPL Arts. 45-48 and NDSMR Art. 23 require 'promptly' (及时) with no number; the App "
    "illegal-collection identification method (2019) benchmark is at most 15 working days"
)

BENCHMARK_SOURCE_ZH = (
    "《个人信息保护法》第四十五条至第四十八条和《网络数据安全管理条例》第二十三条只要求"
    "“及时”，未规定天数；《App违法违规收集使用个人信息行为认定方法》（2019）的基准为"
    "不超过 15 个工作日"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceLevel:
    """Working days from receipt to reply, and why that number."""

    working_days: int
    source: str
    source_zh: str


def service_level(working_days: int, *, configured: bool) -> ServiceLevel:
    """The service level in force; ``configured`` when a setting chose the number."""
    if not 1 <= working_days <= 60:
        raise ValidationError(
            "Setting rights_working_days must be 1..60 working days, got "
            f"{working_days}"
        )
    if not configured:
        why = f"product default {working_days} working days; {BENCHMARK_SOURCE}"
        why_zh = f"产品默认 {working_days} 个工作日；{BENCHMARK_SOURCE_ZH}"
    else:
        why = f"setting rights_working_days = {working_days}; {BENCHMARK_SOURCE}"
        why_zh = f"设置 rights_working_days = {working_days}；{BENCHMARK_SOURCE_ZH}"
        if working_days > DEFAULT_WORKING_DAYS:
            why += " (this setting exceeds that benchmark)"
            why_zh += "（本设置超过该基准）"
    return ServiceLevel(working_days=working_days, source=why, source_zh=why_zh)


def add_working_days(
    start: dt.date, n: int, is_workday: Callable[[dt.date], bool]
) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
    if n < 0:
        raise ValidationError(f"Cannot count {n} working days")
    current = start
    while n > 0:
        current += dt.timedelta(days=1)
        if is_workday(current):
            n -= 1
    return current


def due_date(
    received: dt.date, level: ServiceLevel, is_workday: Callable[[dt.date], bool]
) -> dt.date:
    """When a reply is due: the service level's working days after receipt."""
    return add_working_days(received, level.working_days, is_workday)


def is_overdue(state: State, due_on: dt.date, today: dt.date) -> bool:
    """An open request past its due date."""
    return state in OPEN_STATES and today > due_on


def check_transition(current: State, wanted: State, *, request_id: int) -> None:
    """Raise ValidationError unless ``current`` may move to ``wanted``."""
    if wanted not in TRANSITIONS[current]:
        if current is State.RECEIVED and wanted is State.FULFILLED:
            raise ValidationError(
                f"Request {request_id} is not verified yet: verify the requester's "
                f"identity first ('piplvault requests verify {request_id}')"
            )
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is closed)"
        raise ValidationError(
            f"Request {request_id} is {current}; it cannot become {wanted} "
            f"(allowed: {allowed})"
        )


def parse_type(value: str) -> RequestType:
    try:
        return RequestType(value)
    except ValueError:
        raise ValidationError(
            f"Unknown request type '{value}'; types: "
            f"{', '.join(t.value for t in RequestType)}"
        ) from None


def parse_choice(value: str, choices: dict[str, str], what: str) -> str:
    """``value`` if it is one of ``choices``; the error lists them."""
    if value not in choices:
        raise ValidationError(
            f"Unknown {what} '{value}'; valid: {', '.join(choices)}", field=what
        )
    return value


def refusal_ground(code: str) -> RefusalGround:
    if code not in REFUSAL_GROUNDS:
        raise ValidationError(
            f"'{code}' is not a refusal ground the law allows; grounds: "
            f"{', '.join(REFUSAL_GROUNDS)}",
            field="reason",
        )
    return REFUSAL_GROUNDS[code]


def handled_as(kind: RequestType, wants: RequestType | None) -> RequestType:
    """The request type fulfilment carries out (a next-of-kin request does what it wants)."""
    if kind is RequestType.NEXT_OF_KIN:
        if wants not in KIN_WANTS:
            raise ValidationError(
                "A next-of-kin request must say what it wants: "
                f"{', '.join(w.value for w in KIN_WANTS)} (PIPL Art. 49)",
                field="wants",
            )
        return wants
    return kind
