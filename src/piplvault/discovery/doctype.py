"""Label one cell of an identity-document column with its row's 证件类型 as a hint.

The hint decides between members whose shapes overlap or fail (a foreign passport
number after 护照); only a checksummed 18-character number (resident ID, 港澳台居民居住证,
2023 永居证) overrules it. A hinted cell is
never labelled non-personal: a number that fails its type's validator keeps the type and
is flagged as invalid by the import.
"""

from __future__ import annotations

from piplvault.core.doctypes import (
    CHECKSUMMED_DOCUMENTS,
    DOCUMENT_FAMILY,
    document_entity,
)
from piplvault.discovery.cells import clean_cell
from piplvault.discovery.columns import accepts, label_cell


def label_document(type_value: str | None, value: str) -> tuple[str | None, bool]:
    """(entity, valid) of a document cell given its row's type value."""
    text = clean_cell(value)
    if not text:
        return None, False
    hinted = document_entity(type_value)
    if hinted is None:
        entity = label_cell(DOCUMENT_FAMILY[0], text)
        return entity, entity is not None
    if accepts(hinted, text):
        return hinted, True
    for entity in CHECKSUMMED_DOCUMENTS:
        if entity != hinted and len(text) >= 18 and accepts(entity, text):
            return entity, True  # the checksum is stronger than a typing slip
    return hinted, False
