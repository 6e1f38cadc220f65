"""ADDRESS — postal addresses: province/city/county, town, village, road, number, room.

An address is parsed as a run of components (``山东省`` ``滨州市`` ``沾化区`` ``友谊镇``
``华府村`` ``5组`` ``74号``; ``朝阳南路`` ``37号`` ``紫荆苑`` ``11栋`` ``3单元``
``2401室``), optionally followed by a 6-digit postcode. A whole value is an address
when the run covers it and has at least two components including a place (a known
administrative division, a road or a village). In free text an address must start at
a known division name or right after an address word (地址, 住址, 寄至…).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.lexicon import divisions
from piplvault.discovery.registry import Recognizer, register

ENTITY = "ADDRESS"

_C = r"[\u4e00-\u9fff\u3400-\u4dbf]"
_ADMIN = re.compile(
    _C + r"{1,12}?(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|新区|省|市|盟|县|区|旗)"
)
_TOWN = re.compile(_C + r"{1,8}?(?:街道|民族乡|镇|乡|苏木)")
_VILLAGE = re.compile(_C + r"{1,8}?(?:社区|嘎查|村委会|居委会|村)")
_ROAD = re.compile(
    r"(?:" + _C + r"|\d){1,10}?(?:大道|大街|路|街|巷|弄|胡同|道|里)(?:[东西南北中一二三四五六七八九十\d]{1,2}段)?"
)
_NUMBER = re.compile(
    r"\d{1,5}(?:-\d{1,5})?(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|组|弄|排|户|门)|[A-Za-z]\d{0,4}(?:栋|座|区)"
)
_BUILDING = re.compile(
    _C + r"{0,10}?(?:大厦|广场|花园|小区|公寓|新村|家园|苑|园|城|中心|大楼|府|庭|湾|阁|居|庄|里|坊|院|公馆|山庄|雅居|国际)"
)
_POSTCODE = re.compile(r" ?\d{6}(?!\d)")
#: A room number written without 室 at the very end (…4单元2802).
_ROOM = re.compile(r"\d{2,5}(?![\d.\w])")
_COMPONENTS = (
    ("admin", _ADMIN), ("town", _TOWN), ("village", _VILLAGE), ("road", _ROAD),
    ("number", _NUMBER), ("building", _BUILDING),
)
_PLACE_KINDS = frozenset({"admin", "road", "village", "town"})
#: Words that introduce an address in free text.
ADDRESS_WORDS = ("地址", "住址", "住在", "家住", "寄至", "寄往", "送至", "送到", "位于",
                 "地址为", "地址变更为", "地址是", "居住地", "户籍地", "户籍", "现住",
                 "搬到", "搬至", "迁至", "收货地址", "寄送地址", "住所", "注册地")


def normalise(value: str) -> str:
    """NFKC and trimmed."""
    return to_nfkc(value)


def validate(value: str) -> bool:
    """The whole value parses as an address (see the module docstring)."""
    text = normalise(value)
    end, kinds = parse(text, 0)
    if end != len(text) or len(kinds) < 2 or not (_PLACE_KINDS & set(kinds)):
        return False
    return kinds[0] != "admin" or _starts_with_division(text)


def parse(text: str, start: int) -> tuple[int, list[str]]:
    """Parse address components from ``start``; returns (end, component kinds)."""
    pos, kinds = start, []
    while pos < len(text):
        for kind, pattern in _COMPONENTS:
            match = pattern.match(text, pos)
            if match and kind == "admin" and not _is_admin(match.group()):
                continue
            if match:
                pos = match.end()
                kinds.append(kind)
                break
        else:
            break
    if kinds and kinds[-1] == "number":
        room = _ROOM.match(text, pos)
        if room:
            pos = room.end()
            kinds.append("number")
    if kinds:
        postcode = _POSTCODE.match(text, pos)
        if postcode:
            pos = postcode.end()
            kinds.append("postcode")
    return pos, kinds


def find(text: str) -> Iterator[tuple[int, int]]:
    """Addresses in half-width text."""
    pos = 0
    while pos < len(text):
        start = _next_start(text, pos)
        if start is None:
            return
        end, kinds = parse(text, start)
        if len(kinds) >= 2 and _PLACE_KINDS & set(kinds) and end - start >= 5:
            yield start, end
            pos = end
        else:
            pos = start + 1


def _next_start(text: str, pos: int) -> int | None:
    names = divisions()
    for i in range(pos, len(text)):
        for size in (2, 3, 4, 5, 6, 7, 8):
            if text[i : i + size] in names and _ADMIN.match(text, i):
                return i
        if i > 0 and text[:i].endswith(ADDRESS_WORDS):
            return _skip_connectors(text, i)
    return None


_CONNECTORS = ("变更为", "更改为", "修改为", "改为", "更新为", "为", "是", "在", ":", " ")


def _skip_connectors(text: str, pos: int) -> int:
    moved = True
    while moved:
        moved = False
        for word in _CONNECTORS:
            if text.startswith(word, pos):
                pos += len(word)
                moved = True
    return pos


def _is_admin(token: str) -> bool:
    """Banners (旗) and leagues (盟) are easily confused with words (红旗): known only."""
    if token.endswith(("旗", "盟")) and not token.endswith(("自治旗", "前旗", "后旗", "中旗")):
        return token in divisions()
    return True


def _starts_with_division(text: str) -> bool:
    names = divisions()
    return any(text[:size] in names for size in range(2, 12))


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=("地址", "住址", "address", "addr", "住所", "居住地", "户籍", "通讯地址",
                 "收货地址", "家庭住址", "所在地"),
        priority=65,
    )
)
