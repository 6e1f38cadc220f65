"""WeChat ids, QQ numbers, emergency contacts, and columns nobody has reviewed yet.

None of these can be told from its values alone (a QQ number is just digits, a WeChat id
just letters), so each is given to a column only when its header names it. They exist so
that such columns are stored as personal data (encrypted, masked, policy-checked) rather
than as business data printed in the clear.

``UNREVIEWED`` is the fail-closed label of a column that no recognizer claims and that
shows no positive evidence of being business data: it is personal data until a person
decides otherwise (``import --map COLUMN=ENTITY``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.registry import Recognizer, register

_WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}|1[3-9]\d{9}")
_QQ = re.compile(r"[1-9]\d{4,11}")


def _strip(value: str) -> str:
    return to_nfkc(value).strip()


def _nothing(_text: str) -> Iterator[tuple[int, int]]:
    return iter(())


def _wechat(value: str) -> bool:
    return _WECHAT.fullmatch(_strip(value)) is not None


def _qq(value: str) -> bool:
    text = _strip(value)
    if text.lower().endswith("@qq.com"):
        text = text[:-7]
    return _QQ.fullmatch(text) is not None


def _anything(value: str) -> bool:
    return bool(_strip(value))


WECHAT_ID = register(
    Recognizer(
        entity="WECHAT_ID",
        validate=_wechat,
        normalise=_strip,
        find=_nothing,
        headers=("微信", "wechat", "weixin", "wx号", "vx"),
        needs_header=True,
        priority=30,
    )
)
QQ_NUMBER = register(
    Recognizer(
        entity="QQ_NUMBER",
        validate=_qq,
        normalise=_strip,
        find=_nothing,
        headers=("qq",),
        needs_header=True,
        priority=31,
    )
)
EMERGENCY_CONTACT = register(
    Recognizer(
        entity="EMERGENCY_CONTACT",
        validate=_anything,
        normalise=_strip,
        find=_nothing,
        headers=("紧急联系", "紧急联络", "emergency"),
        needs_header=True,
        priority=5,
    )
)
UNREVIEWED = register(
    Recognizer(
        entity="UNREVIEWED",
        validate=_anything,
        normalise=_strip,
        find=_nothing,
        needs_header=True,
        priority=99,
    )
)
