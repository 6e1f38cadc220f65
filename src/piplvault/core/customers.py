"""Customers and their fields as the rest of the system sees them (values already masked or
revealed by the vault; this module holds no ciphertext and does no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piplvault.core.classification import BUSINESS, ENTITIES, FREE_TEXT, EntityClass


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDef:
    """One field of the vault's customer schema, with its classification."""

    key: str
    label: str
    entity: str | None
    kind: str  # "pii" | "free_text" | "non_pii"
    sensitivity: str | None
    grade: int
    category: str

    @classmethod
    def for_entity(
        cls, key: str, label: str, entity: str | None, kind: str
    ) -> FieldDef:
        klass: EntityClass
        if kind == "free_text":
            klass = FREE_TEXT
        elif kind == "pii" and entity in ENTITIES:
            klass = ENTITIES[entity]
        else:
            klass = BUSINESS
        sensitivity = klass.sensitivity.value if klass.sensitivity else None
        return cls(
            key=key,
            label=label,
            entity=entity if kind == "pii" else None,
            kind=kind,
            sensitivity=sensitivity,
            grade=klass.grade,
            category=klass.category.value,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldView:
    definition: FieldDef
    value: str
    version: int
    masked: bool
    flagged: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = self.definition
        return {
            "value": self.value,
            "masked": self.masked,
            "version": self.version,
            "label": d.label,
            "entity": d.entity,
            "kind": d.kind,
            "sensitivity": d.sensitivity,
            "grade": d.grade,
            "category": d.category,
            "flagged_invalid": self.flagged,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerView:
    id: int
    kind: str
    status: str
    created_at: str
    updated_at: str
    fields: dict[str, FieldView] = field(default_factory=dict)

    def display_name(self) -> str:
        for key in ("customer_name", "name", "company"):
            if key in self.fields:
                return self.fields[key].value
        return ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "fields": {k: v.to_dict() for k, v in self.fields.items()},
        }


#: Entities whose normalised values are blind-indexed, and the index kind they feed.
#: 港澳台居民居住证 and 永居证 numbers stand in for a resident ID number (real-name
#: checks accept them), so they feed the same ``id_number`` index.
BLIND_INDEXED = {
    "CN_RESIDENT_ID": "id_number",
    "HMT_RESIDENCE_PERMIT": "id_number",
    "FOREIGN_PERMANENT_RESIDENT_ID": "id_number",
    "CN_MOBILE": "phone",
    "CN_LANDLINE": "phone",
    "EMAIL": "email",
    "CN_USCC": "uscc",
    "BANK_CARD": "bank_card",
    "PERSON": "name",
    "ORG_NAME": "name",
}

#: ``customers find`` options → (index kind, entity used to normalise the query value).
FIND_KINDS = {
    "id_number": ("id_number", "CN_RESIDENT_ID"),
    "phone": ("phone", "CN_MOBILE"),
    "email": ("email", "EMAIL"),
    "uscc": ("uscc", "CN_USCC"),
    "name": ("name", "PERSON"),
}

#: Import match keys, in priority order, per customer kind. An individual's USCC is their
#: employer's, so it never identifies the individual. An enterprise's bank account
#: identifies it (an enterprise known only by its account must match its re-import).
#: ``record`` is a fingerprint of all the row's personal values: a row with no identifier
#: at all still matches its own earlier import, and nothing else.
MATCH_ORDER = {
    "individual": ("id_number", "bank_card", "phone", "email", "record"),
    "enterprise": ("uscc", "bank_card", "phone", "email", "record"),
}
