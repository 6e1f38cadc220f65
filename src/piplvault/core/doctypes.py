"""证件类型 beside an identity-document column: which document each row holds (issue 12.5).

A column headed 证件类型 / 证件种类 / ID type names, per row, the kind of document in the
neighbouring 证件号码 column. Its value is a hint for labelling that row's number: a
护照 row is a passport even when its number has the shape of a 台胞证. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Members of the identity-document family, in labelling order.
DOCUMENT_FAMILY = ("CN_RESIDENT_ID", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT")
_TYPE_WORDS = ("类型", "种类", "类别", "名称")
_TYPE_HEADERS = ("id type", "id_type", "idtype", "document type", "doc type", "id kind")
#: Words of a type value and the entity they name; the first match wins (居住证 before
#: 港澳台, 台胞 before 通行证).
_TYPE_VALUES = (
    ("居住证", "CN_RESIDENT_ID"),
    ("台胞", "TAIWAN_PERMIT"),
    ("台湾", "TAIWAN_PERMIT"),
    ("赴台", "TAIWAN_PERMIT"),
    ("taiwan", "TAIWAN_PERMIT"),
    ("港澳", "HK_MACAO_PERMIT"),
    ("回乡", "HK_MACAO_PERMIT"),
    ("香港", "HK_MACAO_PERMIT"),
    ("澳门", "HK_MACAO_PERMIT"),
    ("hk", "HK_MACAO_PERMIT"),
    ("macao", "HK_MACAO_PERMIT"),
    ("macau", "HK_MACAO_PERMIT"),
    ("护照", "PASSPORT"),
    ("passport", "PASSPORT"),
    ("身份证", "CN_RESIDENT_ID"),
    ("居民身份", "CN_RESIDENT_ID"),
    ("id card", "CN_RESIDENT_ID"),
    ("resident id", "CN_RESIDENT_ID"),
)


def is_type_header(header: str) -> bool:
    """Whether a header names the kind of identity document (证件类型, ID type)."""
    text = " ".join(header.strip().lower().split())
    if "证件" in text or "证照" in text:
        return any(word in text for word in _TYPE_WORDS) and "号" not in text
    return text in _TYPE_HEADERS


def type_column(headers: Sequence[str], index: int) -> int | None:
    """The type column nearest to the document column at ``index``, or None."""
    candidates = [i for i, h in enumerate(headers) if i != index and is_type_header(h)]
    if not candidates:
        return None
    return min(candidates, key=lambda i: (abs(i - index), i))


def document_entity(type_value: str | None) -> str | None:
    """The document entity a type value names (护照 → PASSPORT), or None."""
    if not type_value:
        return None
    text = type_value.strip().lower()
    for word, entity in _TYPE_VALUES:
        if word in text:
            return entity
    return None
