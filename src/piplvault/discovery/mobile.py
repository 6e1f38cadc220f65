"""CN_MOBILE — mainland mobile numbers (1[3-9]x xxxx xxxx).

Accepted forms: 11 digits with optional spaces or dashes (3-4-4), a ``+86``, ``0086``
or ``86-`` prefix, and full-width digits. Which 4-digit prefixes are in service comes
from phonenumbers' numbering plan (its CN mobile pattern), plus the 11-digit data-only
segments it lacks (141, 146, 148, 149).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from piplvault.discovery.characters import to_nfkc
from piplvault.discovery.context import is_business_number
from piplvault.discovery.registry import Recognizer, register

ENTITY = "CN_MOBILE"

_PREFIX = r"(?:(?:\+|00)86[ -]?|86[ -]|\(\+?86\)[ -]?)?"
_BODY = r"1[3-9]\d(?:[ -]?\d{4}){2}|1[3-9]\d\.\d{4}\.\d{4}"
_WHOLE = re.compile(_PREFIX + "(" + _BODY + ")")
_SEPARATORS = re.compile(r"[ .-]")
_FIND = re.compile(
    r"(?<![0-9A-Za-z+])" + _PREFIX + "(?:" + _BODY + r")(?![0-9A-Za-z]|\.\d)"
)


def normalise(value: str) -> str:
    """E.164 form, e.g. ``+8613812345678``; values that are not numbers stay NFKC."""
    digits = _national(value)
    return "+86" + digits if digits else to_nfkc(value)


#: 11-digit data-only segments the MIIT assigned that phonenumbers' plan lacks (141
#: China Telecom, 146 China Unicom, 148 China Mobile, 149 China Telecom). Other unknown
#: segments (140, 144: 13-digit IoT) stay invalid and are flagged on import.
DATA_ONLY_SEGMENTS = ("141", "146", "148", "149")


def validate(value: str) -> bool:
    """An 11-digit number whose 4-digit prefix is a mainland mobile prefix."""
    digits = _national(value)
    if digits is None:
        return False
    return mobile_pattern().fullmatch(digits) is not None or digits.startswith(
        DATA_ONLY_SEGMENTS
    )


def find(text: str) -> Iterator[tuple[int, int]]:
    """Mobile numbers in half-width text (not order or SKU numbers)."""
    for match in _FIND.finditer(text):
        if validate(match.group()) and not is_business_number(text, match.start()):
            yield match.span()


def _national(value: str) -> str | None:
    match = _WHOLE.fullmatch(to_nfkc(value))
    if match is None:
        return None
    return _SEPARATORS.sub("", match.group(1))


@cache
def mobile_pattern() -> re.Pattern[str]:
    """phonenumbers' pattern for mainland mobile national numbers."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    description = metadata.mobile if metadata is not None else None
    if description is None:  # pragma: no cover  phonenumbers always ships CN
        raise RuntimeError("phonenumbers has no numbering plan for CN")
    return re.compile(str(description.national_number_pattern))


RECOGNIZER = register(
    Recognizer(
        entity=ENTITY,
        validate=validate,
        normalise=normalise,
        find=find,
        headers=(
            "手机",
            "移动电话",
            "mobile",
            "cell",
            "phone",
            "电话",
            "联系方式",
            "tel",
            "shouji",
            "sjhm",
            "dianhua",
            "cellphone",
            "联系号码",
        ),
        context=("手机", "手机号", "电话", "联系方式", "手机号码", "联系电话"),
        priority=20,
        trigger=re.compile(r"1[3-9]\d"),
    )
)
