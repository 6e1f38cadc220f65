"""证件类型 beside an identity-document column: which document each row holds (issue 12.5).

A column headed 证件类型 / 证件种类 / ID type names, per row, the kind of document in the
neighbouring 证件号码 column. Its value is a hint for labelling that row's number: a
护照 row is a passport even when its number has the shape of a 台胞证. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Members of the identity-document family, in labelling order: the checksummed
#: 18-character numbers first, then the shapes that need a header or a hint.
DOCUMENT_FAMILY = (
    "CN_RESIDENT_ID",
    "HMT_RESIDENCE_PERMIT",
    "FOREIGN_PERMANENT_RESIDENT_ID",
    "PASSPORT",
    "HK_MACAO_PERMIT",
    "TAIWAN_PERMIT",
    "MILITARY_ID",
)
#: Members whose 18-character numbers carry a MOD 11-2 check: a valid one overrules a
#: 证件类型 hint (the checksum is stronger than a typing slip in the type column).
CHECKSUMMED_DOCUMENTS = (
    "CN_RESIDENT_ID",
    "HMT_RESIDENCE_PERMIT",
    "FOREIGN_PERMANENT_RESIDENT_ID",
)
#: Header fragments of a column of identity-document numbers of any kind (证件号码,
#: 证照号码, ID Number, zhengjianhao): every member of the family is hinted by them.
DOCUMENT_HEADERS = (
    "证件",
    "证照",
    "zhengjian",
    "zjhm",
    "id number",
    "id no",
    "id_no",
    "idno",
    "document no",
    "document number",
    "doc no",
)
_TYPE_WORDS = ("类型", "种类", "类别", "名称")
_TYPE_HEADERS = ("id type", "id_type", "idtype", "document type", "doc type", "id kind")
#: Words of a residence permit's holders: 港澳台居民居住证 (a plain 居住证 of a mainland
#: resident carries the holder's resident ID number).
_HMT_HOLDERS = ("港", "澳", "台", "hong kong", "hk", "macao", "macau", "taiwan")
#: Words of a type value and the entity they name; the first match wins (永久居留
#: before 居住, 台胞 before 通行证, 军官 before anything).
_TYPE_VALUES = (
    ("永久居留", "FOREIGN_PERMANENT_RESIDENT_ID"),
    ("永居", "FOREIGN_PERMANENT_RESIDENT_ID"),
    ("绿卡", "FOREIGN_PERMANENT_RESIDENT_ID"),
    ("permanent resid", "FOREIGN_PERMANENT_RESIDENT_ID"),
    ("green card", "FOREIGN_PERMANENT_RESIDENT_ID"),
    ("军官", "MILITARY_ID"),
    ("士兵", "MILITARY_ID"),
    ("军人", "MILITARY_ID"),
    ("文职干部", "MILITARY_ID"),
    ("military", "MILITARY_ID"),
    ("soldier", "MILITARY_ID"),
    ("officer", "MILITARY_ID"),
    ("居住证", "CN_RESIDENT_ID"),
    ("residence permit", "CN_RESIDENT_ID"),
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


def pair_type_columns(
    headers: Sequence[str], documents: Iterable[int]
) -> dict[int, int]:
    """Document column → the 证件类型 column that describes it. Each type column
    belongs to its nearest document column (a tie goes to the column after it: the type
    comes before the number), so a 身份证号 column beside the 证件类型 of a 证件号码
    column does not take that column's types."""
    documents = sorted(set(documents))
    pairs: dict[int, int] = {}
    for kind in (i for i, h in enumerate(headers) if is_type_header(h)):
        choices = [d for d in documents if d != kind]
        if not choices:
            continue
        document = min(choices, key=lambda d: (abs(d - kind), d < kind))
        current = pairs.get(document)
        if current is None or abs(kind - document) < abs(current - document):
            pairs[document] = kind
    return pairs


def document_entity(type_value: str | None) -> str | None:
    """The document entity a type value names (护照 → PASSPORT), or None."""
    if not type_value:
        return None
    text = type_value.strip().lower()
    for word, entity in _TYPE_VALUES:
        if word in text:
            if entity == "CN_RESIDENT_ID" and any(w in text for w in _HMT_HOLDERS):
                return "HMT_RESIDENCE_PERMIT"  # 港澳台居民居住证
            return entity
    return None
