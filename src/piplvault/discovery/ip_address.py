"""IP_ADDRESS — IPv4 and IPv6 addresses, checked with the standard ``ipaddress`` module."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.registry import Recognizer, register

ENTITY = "IP_ADDRESS"
_FIND = re.compile(
    r"(?<![0-9A-Za-z.:])(?:(?:\d{1,3}\.){3}\d{1,3}|(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f:]{1,4})(?![0-9A-Za-z.:])"
)
_SHAPE = re.compile(r"[0-9A-Fa-f.:]{7,45}")


def normalise(value: str) -> str:
    """The compressed canonical form (``ipaddress``)."""
    text = to_nfkc(value)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def validate(value: str) -> bool:
    """A valid IPv4 or IPv6 address (IPv4 needs all four dotted parts)."""
    text = to_nfkc(value)
    if not _SHAPE.fullmatch(text) or (":" not in text and text.count(".") != 3):
        return False  # IPv6 has colons; IPv4 (the rest) exactly three dots
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def find(text: str) -> Iterator[tuple[int, int]]:
    """IP addresses in half-width text."""
    for match in _FIND.finditer(text):
        if validate(match.group()):
            yield match.span()


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=("ip", "ip地址", "登录ip", "ip_address"),
        priority=39,
        trigger=re.compile(r"\d\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]"),
    )
)
