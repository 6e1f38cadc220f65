"""Corporate-event cases: company transfer (公司转让), deregistration (注销) and
registered-address change — their legal paths, state machines and Company Law timelines.

Pure: dates in, dates out. The vault drives these and audits every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from piplvault.errors import ValidationError


class Deal(StrEnum):
    MERGER = "merger"
    DIVISION = "division"
    ASSET_SALE = "asset-sale"
    SHARE_TRANSFER = "share-transfer"
    DISSOLUTION_SUCCESSOR = "dissolution-successor"
    BANKRUPTCY = "bankruptcy"
    SHARE_TRANSFER_DISCONTINUED = "share-transfer-discontinued"


class Mode(StrEnum):
    """The legal path a deal takes (R-22-4)."""

    NOTICE = "notice"  # PIPL Art. 22: tell people the recipient; they may object
    SEPARATE_CONSENT = "separate-consent"  # PIPL Art. 23: only those who consent move
    CHANGE_NOTICE = "change-notice"  # no change of handler: nothing moves
    DISCONTINUE = "discontinue"  # shares sold, business stops: Art. 47 deletion first


DEAL_ZH = {
    Deal.MERGER: "合并",
    Deal.DIVISION: "分立",
    Deal.ASSET_SALE: "资产（业务）转让",
    Deal.SHARE_TRANSFER: "股权转让",
    Deal.DISSOLUTION_SUCCESSOR: "解散后由承继方承接",
    Deal.BANKRUPTCY: "破产，由人民法院指定的破产管理人接管",
    Deal.SHARE_TRANSFER_DISCONTINUED: "股权转让且原业务停止",
}
DEAL_EN = {
    Deal.MERGER: "the merger",
    Deal.DIVISION: "the division",
    Deal.ASSET_SALE: "the sale of the business",
    Deal.SHARE_TRANSFER: "the share transfer",
    Deal.DISSOLUTION_SUCCESSOR: "the dissolution with a successor",
    Deal.BANKRUPTCY: "the bankruptcy, in which the court-appointed administrator takes over",
    Deal.SHARE_TRANSFER_DISCONTINUED: "the share transfer with the business discontinued",
}

#: Deals after which the seller ceases to exist: those who objected cannot stay with it, so
#: ``transfer complete`` deletes them too (PIPL Art. 47(1)(ii); issue 13 item 8). A merger
#: dissolves the absorbed company; a division may not (``--seller-ceases`` says so).
SELLER_CEASES = frozenset({Deal.MERGER, Deal.DISSOLUTION_SUCCESSOR, Deal.BANKRUPTCY})


def legal_mode(deal: Deal, *, legal_opinion: str | None = None) -> Mode:
    """R-22-4: the deal decides the path. An asset sale is Art. 23 (separate consent) unless
    an admin records a legal opinion justifying Art. 22 notice mode."""
    if deal is Deal.SHARE_TRANSFER:
        return Mode.CHANGE_NOTICE
    if deal is Deal.SHARE_TRANSFER_DISCONTINUED:
        return Mode.DISCONTINUE
    if deal is Deal.ASSET_SALE and not legal_opinion:
        return Mode.SEPARATE_CONSENT
    return Mode.NOTICE


#: A creditor who received the liquidation group's notice declares within 30 days of
#: receiving it (Company Law Art. 235); one reached only by the announcement, within 45.
CREDITOR_NOTIFIED_DAYS = 30

#: The shortest objection window a transfer may give (issue 13 item 2). PIPL Art. 22 names
#: no period; 30 days is this project's floor so that a letter can arrive and be answered.
OBJECTION_FLOOR_DAYS = 30
OBJECTION_MAX_DAYS = 365


def objection_window(days: int, reason: str | None) -> int:
    """The window in days: never below the floor; a longer one records its reason."""
    if days < OBJECTION_FLOOR_DAYS:
        raise ValidationError(
            f"An objection window of {days} days is below the floor of "
            f"{OBJECTION_FLOOR_DAYS} days (counted from each customer's delivery); it can "
            "only be raised",
            field="objection_days",
        )
    if days > OBJECTION_MAX_DAYS:
        raise ValidationError(
            f"The objection window may be at most {OBJECTION_MAX_DAYS} days",
            field="objection_days",
        )
    if days > OBJECTION_FLOOR_DAYS and not (reason or "").strip():
        raise ValidationError(
            f"An objection window of {days} days raises the {OBJECTION_FLOOR_DAYS}-day "
            "floor: record why",
            field="objection_reason",
        )
    return days


class TransferState(StrEnum):
    DRAFT = "draft"
    NOTICES_SENT = "notices-sent"
    OBJECTION_WINDOW = "objection-window"
    READY = "ready"
    HANDED_OVER = "handed-over"
    SOURCE_DESTROYED = "source-destroyed"
    CLOSED = "closed"  # change-notice cases end here


class DeregState(StrEnum):
    WINDING_DOWN = "winding-down"
    NOTICES_SENT = "notices-sent"
    PACKAGED = "packaged"
    SHREDDED = "shredded"
    SEALED = "sealed"


_TRANSFER_NEXT: dict[TransferState, tuple[TransferState, ...]] = {
    TransferState.DRAFT: (TransferState.NOTICES_SENT, TransferState.CLOSED),
    TransferState.NOTICES_SENT: (TransferState.OBJECTION_WINDOW,),
    TransferState.OBJECTION_WINDOW: (TransferState.READY,),
    TransferState.READY: (TransferState.HANDED_OVER,),
    TransferState.HANDED_OVER: (TransferState.SOURCE_DESTROYED,),
    TransferState.SOURCE_DESTROYED: (),
    TransferState.CLOSED: (),
}
_DEREG_NEXT: dict[DeregState, tuple[DeregState, ...]] = {
    DeregState.WINDING_DOWN: (DeregState.NOTICES_SENT,),
    DeregState.NOTICES_SENT: (DeregState.PACKAGED,),
    DeregState.PACKAGED: (DeregState.SHREDDED,),
    DeregState.SHREDDED: (DeregState.SEALED,),
    DeregState.SEALED: (),
}


def require_transition(kind: str, current: str, target: str) -> None:
    """Raise naming the states when ``current`` → ``target`` is not a step of the case."""
    table: dict[str, tuple[str, ...]]
    if kind == "transfer":
        table = {
            k.value: tuple(v.value for v in vs) for k, vs in _TRANSFER_NEXT.items()
        }
    else:
        table = {k.value: tuple(v.value for v in vs) for k, vs in _DEREG_NEXT.items()}
    allowed = table.get(current, ())
    if target not in allowed:
        nxt = ", ".join(allowed) or "nothing (the case is finished)"
        raise ValidationError(
            f"The {kind} case is in state '{current}'; it cannot go to '{target}' "
            f"(next allowed: {nxt})"
        )


#: Data categories each purpose needs; a transfer moves only fields of the categories
#: its continuing purposes need (PIPL Art. 6 minimisation, R-22-5).
PURPOSE_CATEGORIES: dict[str, frozenset[str]] = {
    "contract": frozenset(
        {"identity", "contact", "address", "organisation", "transaction", "business"}
    ),
    "after-sales": frozenset({"identity", "contact", "address", "organisation"}),
    "marketing": frozenset({"identity", "contact"}),
    "finance": frozenset(
        {"identity", "contact", "financial", "organisation", "transaction", "business"}
    ),
    "legal-obligation": frozenset(
        {
            "identity",
            "contact",
            "address",
            "financial",
            "organisation",
            "transaction",
            "business",
            "free_text",
        }
    ),
}
DEFAULT_CATEGORIES = frozenset({"identity", "contact"})


def categories_for(purposes: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for p in purposes:
        out |= PURPOSE_CATEGORIES.get(p, DEFAULT_CATEGORIES)
    return frozenset(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone:
    date: dt.date
    what_zh: str
    what_en: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "what_zh": self.what_zh,
            "what_en": self.what_en,
            "source": self.source,
        }


def _d(start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=days)


def merger_timeline(resolution: dt.date) -> list[Milestone]:
    """R-CO-220-1: creditor notice and announcement after a merger/division resolution."""
    return [
        Milestone(
            date=_d(resolution, 10),
            what_zh="通知债权人",
            what_en="notify creditors",
            source="《公司法》第二百二十条",
        ),
        Milestone(
            date=_d(resolution, 30),
            what_zh="公告（报纸或国家企业信用信息公示系统）",
            what_en="public announcement",
            source="《公司法》第二百二十条",
        ),
        Milestone(
            date=_d(resolution, 10 + 30),
            what_zh="债权人要求清偿或担保的期限（接到通知）",
            what_en="creditors' demand window (notified)",
            source="《公司法》第二百二十条",
        ),
        Milestone(
            date=_d(resolution, 30 + 45),
            what_zh="债权人要求清偿或担保的期限（公告）",
            what_en="creditors' demand window (announcement)",
            source="《公司法》第二百二十条",
        ),
    ]


def liquidation_timeline(resolution: dt.date) -> list[Milestone]:
    """R-CO-232-1: dissolution, liquidation group, creditor notice and declaration windows."""
    return [
        Milestone(
            date=_d(resolution, 10),
            what_zh="公示解散事由",
            what_en="publish cause",
            source="《公司法》第二百二十九条",
        ),
        Milestone(
            date=_d(resolution, 15),
            what_zh="成立清算组",
            what_en="form liquidation group",
            source="《公司法》第二百三十二条",
        ),
        Milestone(
            date=_d(resolution, 15 + 10),
            what_zh="清算组通知债权人",
            what_en="notify creditors",
            source="《公司法》第二百三十五条",
        ),
        Milestone(
            date=_d(resolution, 15 + 60),
            what_zh="清算组公告",
            what_en="announce liquidation",
            source="《公司法》第二百三十五条",
        ),
        Milestone(
            date=_d(resolution, 15 + 10 + 30),
            what_zh="债权申报截止（接到通知）",
            what_en="claims deadline (notified)",
            source="《公司法》第二百三十五条",
        ),
        Milestone(
            date=_d(resolution, 15 + 60 + 45),
            what_zh="债权申报截止（公告）",
            what_en="claims deadline (announcement)",
            source="《公司法》第二百三十五条",
        ),
    ]


def address_change_timeline(effective: dt.date) -> list[Milestone]:
    """R-MER-24-1: registry and tax deadlines after a registered-address change."""
    return [
        Milestone(
            date=_d(effective, 30),
            what_zh="向登记机关申请变更登记",
            what_en="apply to the registry",
            source="《市场主体登记管理条例》第二十四条",
        ),
        Milestone(
            date=_d(effective, 30),
            what_zh="向税务机关办理变更或迁移",
            what_en="update tax registration",
            source="《税收征收管理法实施细则》第十五条",
        ),
    ]


def monday_to_friday(day: dt.date) -> bool:
    return day.weekday() < 5


def working_days_before(
    day: dt.date, n: int, is_workday: Callable[[dt.date], bool] = monday_to_friday
) -> dt.date:
    """``n`` working days before ``day`` (R-TC260-STOP-1 notice lead time); the vault passes
    the State Council holiday calendar (vault/workdays.py)."""
    current = day
    while n > 0:
        current -= dt.timedelta(days=1)
        if is_workday(current):
            n -= 1
    return current
