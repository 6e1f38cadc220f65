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
from functools import cache

from piplvault.discovery.characters import is_cjk, to_nfkc
from piplvault.discovery.lexicon import divisions, full_divisions
from piplvault.discovery.registry import Recognizer, register

ENTITY = "ADDRESS"

_C = r"[\u4e00-\u9fff\u3400-\u4dbf]"
_ADMIN = re.compile(
    _C
    + r"{1,12}?(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|新区|省|市|盟|县|区|旗)"
)
_TOWN = re.compile(_C + r"{1,8}?(?:街道|民族乡|镇|乡|苏木)")
_VILLAGE = re.compile(_C + r"{1,8}?(?:社区|嘎查|村委会|居委会|村)")
_ROAD = re.compile(
    r"(?:"
    + _C
    + r"|\d){1,10}?(?:大道|大街|路|街|巷|弄|胡同|道|里)(?:[东西南北中一二三四五六七八九十\d]{1,2}段)?"
)
_NUMBER = re.compile(
    r"\d{1,5}(?:-\d{1,5})?(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|组|弄|排|户|门)|[A-Za-z]\d{0,4}(?:栋|座|区)"
)
_BUILDING = re.compile(
    _C
    + r"{0,10}?(?:大厦|广场|花园|小区|公寓|新村|家园|苑|园|城|中心|大楼|府|庭|湾|阁|居|庄|里|坊|院|公馆|山庄|雅居|国际)"
)
_POSTCODE = re.compile(r" ?\d{6}(?!\d)")
#: A room number written without 室 at the very end (…4单元2802).
_ROOM = re.compile(r"\d{2,5}(?![\d.\w])")
_COMPONENTS = (
    ("admin", _ADMIN),
    ("town", _TOWN),
    ("village", _VILLAGE),
    ("road", _ROAD),
    ("number", _NUMBER),
    ("building", _BUILDING),
)
#: One pattern trying the components in a fixed order (the quick parse).
_ANY = re.compile(
    "|".join(
        f"(?P<{kind}>{pattern.pattern})"
        for kind, pattern in sorted(
            _COMPONENTS,
            key=lambda c: (
                ("admin", "road", "village", "town", "number").index(c[0])
                if c[0] != "building"
                else 9
            ),
        )
    )
)
_PLACE_KINDS = frozenset({"admin", "road", "village", "town"})
#: Characters without which a text holds no address (a cheap first filter).
_HINT = re.compile(r"[省市区县州旗盟镇乡村路街道巷弄号址住]")
#: Words that introduce an address in free text.
ADDRESS_WORDS = (
    "地址",
    "住址",
    "住在",
    "家住",
    "寄至",
    "寄往",
    "送至",
    "送到",
    "位于",
    "地址为",
    "地址变更为",
    "地址是",
    "居住地",
    "户籍地",
    "户籍",
    "现住",
    "搬到",
    "搬至",
    "迁至",
    "收货地址",
    "寄送地址",
    "住所",
    "注册地",
)
_WORDS = re.compile("|".join(sorted(ADDRESS_WORDS, key=len, reverse=True)))


def normalise(value: str) -> str:
    """NFKC and trimmed."""
    return to_nfkc(value)


_LEADING_POSTCODE = re.compile(r"^\d{6}\s*(?=\D)")
_INNER_SPACES = re.compile(r"\s+")
#: 文三路12-3-501 (number-building-room): read as a house number.
_UNIT = re.compile(r"(?<=[路街道巷弄里])(\d{1,5})(?:-\d{1,5}){1,3}(?:室|号)?$")
#: Landmarks after a road: 与农业路交叉口, 路口东北角, 附近, 对面.
_LANDMARK = re.compile(
    r"(?:与"
    + _C
    + r"{1,10}?(?:路|街|大道)(?:交叉口|交汇处|路口)|交叉口|路口|十字路口)?"
    r"(?:[东西南北]{1,2}(?:角|侧)?)?(?:附近|对面|旁边|旁)?$"
)


#: A character no component, postcode, unit or landmark pattern consumes (they take only
#: word characters — Han, digits, letters —, spaces and the unit dash). A text holding one
#: cannot parse, so it is refused before the parser runs (a masked ``北京市朝阳区****``).
_NEVER_IN_ADDRESS = re.compile(r"[^\w\s-]")


def validate(value: str) -> bool:
    """The whole value parses as an address (see the module docstring). Cells from
    exports also have a leading postcode, spaces between levels, unit notation
    (12-3-501) and landmarks (…与农业路交叉口)."""
    text = normalise(value)
    if text.isascii() or _NEVER_IN_ADDRESS.search(text):
        # every place component (division, road, village) ends in an ideograph
        return False
    return _parses_whole(text)


def _parses_whole(text: str) -> bool:
    """:func:`validate` of a normalised text, without the character prefilter."""
    if _parses(text):
        return True
    tidy = _INNER_SPACES.sub("", _LEADING_POSTCODE.sub("", text))
    tidy = _UNIT.sub(lambda m: m.group(1) + "号", tidy)
    landmark = _LANDMARK.search(tidy)
    if landmark is not None and landmark.start() < len(tidy):
        tidy = tidy[: landmark.start()]
    return tidy != text and _parses(tidy)


def _parses(text: str) -> bool:
    end, kinds = parse(text, 0)
    if end != len(text) or len(kinds) < 2 or not (_PLACE_KINDS & set(kinds)):
        return False
    return kinds[0] != "admin" or _starts_with_division(text)


def parse(text: str, start: int) -> tuple[int, list[str]]:
    """Parse address components from ``start``; returns (end, component kinds).

    Of the components that could come next, the one that lets the parse run furthest
    is taken (花园街117号 is a road and a number, not the estate 花园 and a stray 街).
    """
    end, kinds = _with_tail(text, *_greedy_run(text, start))
    if end < len(text) and (is_cjk(text[end]) or text[end].isdigit()):
        # The quick parse stopped inside a word: search for a longer parse.
        memo: dict[int, tuple[int, list[str]]] = {}
        longer = _with_tail(text, *_longest_run(text, start, memo))
        if longer[0] > end:
            end, kinds = longer
    return end, kinds


def _with_tail(text: str, end: int, kinds: list[str]) -> tuple[int, list[str]]:
    """Add a bare room number (…4单元2802) and a postcode after the components."""
    if kinds and kinds[-1] == "number":
        room = _ROOM.match(text, end)
        if room:
            end = room.end()
            kinds = [*kinds, "number"]
    if kinds:
        postcode = _POSTCODE.match(text, end)
        if postcode:
            end = postcode.end()
            kinds = [*kinds, "postcode"]
    return end, kinds


def _greedy_run(text: str, pos: int) -> tuple[int, list[str]]:
    kinds: list[str] = []
    while match := _ANY.match(text, pos):
        kind = str(match.lastgroup)
        if kind == "admin" and not _is_admin(match.group()):
            options = [o for o in _components_at(text, pos) if o[1] != "admin"]
            if not options:
                break
            pos, kind = max(options)
        else:
            pos = match.end()
        kinds.append(kind)
    return pos, kinds


def _longest_run(
    text: str, pos: int, memo: dict[int, tuple[int, list[str]]]
) -> tuple[int, list[str]]:
    if pos in memo:
        return memo[pos]
    best: tuple[int, list[str]] = (pos, [])
    if len(memo) < 200:
        for next_pos, kind in _components_at(text, pos):
            end, kinds = _longest_run(text, next_pos, memo)
            if end > best[0]:
                best = (end, [kind, *kinds])
    memo[pos] = best
    return best


def _components_at(text: str, pos: int) -> list[tuple[int, str]]:
    found = []
    for kind, pattern in _COMPONENTS:
        match = pattern.match(text, pos)
        if match and (kind != "admin" or _is_admin(match.group())):
            found.append((match.end(), kind))
    return found


def find(text: str) -> Iterator[tuple[int, int]]:
    """Addresses in half-width text."""
    if not _HINT.search(text):
        return
    pos = 0
    for start in sorted(set(_division_starts(text)) | set(_word_starts(text))):
        if start < pos:
            continue
        end, kinds = parse(text, start)
        if len(kinds) >= 2 and _PLACE_KINDS & set(kinds) and end - start >= 5:
            yield start, end
            pos = end


def _division_starts(text: str) -> Iterator[int]:
    names, prefixes = divisions(), _prefixes()
    for match in _first_chars().finditer(text):
        i = match.start()
        if text[i : i + 2] not in prefixes:
            continue
        for size in range(2, 9):
            if text[i : i + size] in names and _is_first_division(text, i, size):
                yield i
                break


def _word_starts(text: str) -> Iterator[int]:
    for match in _WORDS.finditer(text):
        yield _skip_connectors(text, match.end())


@cache
def _prefixes() -> frozenset[str]:
    return frozenset(name[:2] for name in divisions())


@cache
def _first_chars() -> re.Pattern[str]:
    return re.compile("[" + "".join(sorted({name[0] for name in divisions()})) + "]")


_CONNECTORS = (
    "变更为",
    "更改为",
    "修改为",
    "改为",
    "更新为",
    "为",
    "是",
    "在",
    ":",
    " ",
)


def _skip_connectors(text: str, pos: int) -> int:
    moved = True
    while moved:
        moved = False
        for word in _CONNECTORS:
            if text.startswith(word, pos):
                pos += len(word)
                moved = True
    return pos


def _is_first_division(text: str, start: int, size: int) -> bool:
    """A known name at ``start`` begins an address if it is followed closely by a
    division suffix (北京市, 北京朝阳区), not by arbitrary words (建平的新地址是…区)."""
    match = _ADMIN.match(text, start)
    if match is None:
        return False
    token = match.group()
    return token in full_divisions() or len(token) - size <= 4


def _is_admin(token: str) -> bool:
    """Banners (旗) and leagues (盟) are easily confused with words (红旗): known only."""
    if token.endswith(("旗", "盟")) and not token.endswith(
        ("自治旗", "前旗", "后旗", "中旗")
    ):
        return token in full_divisions()
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
        headers=(
            "地址",
            "住址",
            "address",
            "addr",
            "住所",
            "居住地",
            "户籍",
            "通讯地址",
            "收货地址",
            "家庭住址",
            "所在地",
            "dizhi",
        ),
        priority=65,
    )
)
