"""Plan an import: which column becomes which field, and how each row's kind is decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from piplvault.core.classification import ENTITIES
from piplvault.core.customers import FieldDef

#: Headers of a column that states the customer kind, and how its values map.
KIND_HEADERS = frozenset(
    {"客户类型", "客户性质", "类型", "customer_type", "customer type", "kind", "type"}
)
KIND_VALUES = {
    "个人": "individual",
    "自然人": "individual",
    "个体": "individual",
    "个体工商户": "individual",
    "个体户": "individual",
    "individual": "individual",
    "person": "individual",
    "企业": "enterprise",
    "公司": "enterprise",
    "单位": "enterprise",
    "机构": "enterprise",
    "enterprise": "enterprise",
    "company": "enterprise",
    "organisation": "enterprise",
    "organization": "enterprise",
}
#: Entities with a strict validator: a value that fails it is an invalid value.
VALIDATED = frozenset(
    {
        "CN_RESIDENT_ID",
        "CN_MOBILE",
        "CN_LANDLINE",
        "EMAIL",
        "BANK_CARD",
        "CN_USCC",
        "PASSPORT",
        "HK_MACAO_PERMIT",
        "TAIWAN_PERMIT",
        "IP_ADDRESS",
        "WECHAT_ID",
        "QQ_NUMBER",
    }
)
#: Field keys of mixed columns, by the column's entity: people and companies share
#: ``customer_name``; mobiles and landlines share ``phone`` (never a name); ID numbers,
#: passports and permits share ``id_document`` (each cell labelled and masked by itself).
MIXED_FIELDS = {
    "PERSON": "customer_name",
    "ORG_NAME": "customer_name",
    "CN_RESIDENT_ID": "id_document",
    "PASSPORT": "id_document",
    "HK_MACAO_PERMIT": "id_document",
    "TAIWAN_PERMIT": "id_document",
}
MIXED_DEFAULT_FIELD = "phone"


class ColumnDecisionLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def entity(self) -> str | None: ...
    @property
    def mixed(self) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnPlan:
    index: int
    header: str
    field: FieldDef
    mixed: bool
    validated: bool
    states_kind: bool


def plan_columns(decisions: Sequence[ColumnDecisionLike]) -> list[ColumnPlan]:
    """One plan per column; field keys are unique, named by entity where there is one."""
    used: set[str] = set()
    plans = []
    for index, d in enumerate(decisions):
        key = _field_key(d, used)
        used.add(key)
        entity = d.entity if d.kind == "pii" else None
        plans.append(
            ColumnPlan(
                index=index,
                header=d.name,
                field=FieldDef.for_entity(key, d.name, entity, d.kind),
                mixed=d.mixed and d.kind == "pii",
                validated=d.kind == "pii" and entity in VALIDATED,
                states_kind=d.kind != "pii" and d.name.strip().lower() in KIND_HEADERS,
            )
        )
    return plans


def _field_key(d: ColumnDecisionLike, used: set[str]) -> str:
    if d.kind == "pii" and d.mixed:
        base = MIXED_FIELDS.get(d.entity or "", MIXED_DEFAULT_FIELD)
    elif d.kind == "pii" and d.entity in ENTITIES and ENTITIES[d.entity].field:
        base = ENTITIES[d.entity].field
    elif d.kind == "free_text":
        base = "notes"
    else:
        base = d.name.strip()
    key, n = base, 2
    while key in used:
        key, n = f"{base}_{n}", n + 1
    return key


def row_kind(
    forced: str | None,
    stated: str | None,
    cell_entities: dict[str, str | None],
    entities_present: set[str],
) -> str:
    """The customer kind of a row: --kind, else a kind column, else what the data implies."""
    if forced:
        return forced
    if stated:
        mapped = KIND_VALUES.get(stated.strip().lower())
        if mapped:
            return mapped
    if cell_entities.get("customer_name") == "ORG_NAME":
        return "enterprise"
    if "CN_RESIDENT_ID" in entities_present or "PERSON" in entities_present:
        return "individual"
    if "CN_USCC" in entities_present or "ORG_NAME" in entities_present:
        return "enterprise"
    return "individual"
