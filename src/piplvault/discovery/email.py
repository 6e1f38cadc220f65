"""EMAIL — e-mail addresses, checked by email-validator (syntax only, no DNS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.registry import Recognizer, register

ENTITY = "EMAIL"

_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}")
_FIND = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9])"
)


def normalise(value: str) -> str:
    """NFKC (so ``＠`` becomes ``@``) and lower case."""
    return to_nfkc(to_nfkc(value).lower())


def validate(value: str) -> bool:
    """A syntactically valid address (email-validator, no deliverability check)."""
    text = normalise(value)
    return _SHAPE.fullmatch(text) is not None and _is_valid(text)


def find(text: str) -> Iterator[tuple[int, int]]:
    """E-mail addresses in half-width text."""
    if "@" not in text:
        return
    for match in _FIND.finditer(text):
        if _is_valid(match.group().lower()):
            yield match.span()


#: Plain ASCII addresses (dot-atom local part, LDH labels, alphabetic TLD) are valid
#: without further checks; anything else (IDN, quoted parts) goes to email-validator.
_PLAIN = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}"
)


def _is_valid(text: str) -> bool:
    if len(text) <= 254 and _PLAIN.fullmatch(text) and len(text.split("@")[0]) <= 64:
        return True
    return _is_valid_idn(text)


@lru_cache(maxsize=4096)
def _is_valid_idn(text: str) -> bool:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=("邮箱", "邮件", "email", "e-mail", "mail", "电邮", "youxiang"),
        context=("邮箱", "邮件", "email", "Email", "E-mail"),
        priority=15,
    )
)
