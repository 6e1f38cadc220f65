"""Word lists shipped with the package: surnames and administrative divisions."""

from __future__ import annotations

from functools import cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = (
        resources.files("piplvault.discovery")
        .joinpath("data")
        .joinpath(name)
        .read_text("utf-8")
    )
    return [
        line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"
    ]


@cache
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, two-character surnames)."""
    names = _lines("surnames.txt")
    return (
        frozenset(n for n in names if len(n) == 1),
        frozenset(n for n in names if len(n) == 2),
    )


@cache
def common_words() -> frozenset[str]:
    """Frequent words that begin with a surname character but are not names."""
    return frozenset(_lines("common_words.txt"))


@cache
def division_entries() -> tuple[tuple[str, str], ...]:
    """(level, name) pairs: level is p (province), c (prefecture) or d (county)."""
    return tuple(
        (level, name)
        for level, name in (line.split("\t") for line in _lines("divisions.txt"))
    )


@cache
def full_divisions() -> frozenset[str]:
    """Province, prefecture and county names in full (北京市, 红旗区)."""
    return frozenset(line.split("\t")[1] for line in _lines("divisions.txt"))


@cache
def divisions() -> frozenset[str]:
    """Province, prefecture and county names, full (北京市) and short (北京) forms."""
    names: set[str] = set()
    for line in _lines("divisions.txt"):
        _, name = line.split("\t")
        names.add(name)
        short = _short_form(name)
        if short:
            names.add(short)
    return frozenset(names)


_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "省",
    "市",
    "县",
    "区",
    "盟",
    "旗",
)


def _short_form(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            short = name[: -len(suffix)]
            # 广西壮族 -> 广西; 黔东南苗族侗族 -> 黔东南
            for marker in (
                "壮族",
                "回族",
                "维吾尔",
                "苗族",
                "藏族",
                "彝族",
                "土家族",
                "蒙古族",
            ):
                cut = short.find(marker)
                if cut >= 2:
                    short = short[:cut]
            return short if len(short) >= 2 else None
    return None
