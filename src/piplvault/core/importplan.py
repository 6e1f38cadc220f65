"""Plan an import: which column becomes which field, and how each row's kind is decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as default
from typing import Protocol

from piplvault.core.classification import ENTITIES
from piplvault.core.customers import FieldDef
from piplvault.core.doctypes import DOCUMENT_FAMILY, pair_type_columns

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
        "HMT_RESIDENCE_PERMIT",
        "FOREIGN_PERMANENT_RESIDENT_ID",
        "MILITARY_ID",
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
    "HMT_RESIDENCE_PERMIT": "id_document",
    "FOREIGN_PERMANENT_RESIDENT_ID": "id_document",
    "MILITARY_ID": "id_document",
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
    #: Mixed columns other than names: each labelled cell goes to its entity's own field
    #: (a 联系方式 cell holding a landline is stored as ``landline``); cells no member
    #: accepts stay in ``field``, flagged.
    cell_fields: dict[str, FieldDef] = default(default_factory=dict)
    #: An identity-document column's 证件类型 neighbour: its value labels each row's cell.
    hint_index: int | None = None


def plan_columns(
    decisions: Sequence[ColumnDecisionLike],
    families: Sequence[tuple[str, ...]] = (),
) -> list[ColumnPlan]:
    """One plan per column; field keys are unique, named by entity where there is one.
    Members of a mixed column's family (but people and companies, which share
    ``customer_name``) get field keys of their own, allocated after every column's."""
    used: set[str] = set()
    plans = []
    headers = [d.name for d in decisions]
    hints = pair_type_columns(
        headers,
        (
            i
            for i, d in enumerate(decisions)
            if d.kind == "pii" and d.entity in DOCUMENT_FAMILY
        ),
    )
    for index, d in enumerate(decisions):
        entity = d.entity if d.kind == "pii" else None
        hint = hints.get(index)
        # a 证件号码 column beside a 证件类型 column holds whatever the types say
        mixed = d.kind == "pii" and (d.mixed or hint is not None)
        key = _field_key(d, used, mixed=mixed)
        used.add(key)
        plans.append(
            ColumnPlan(
                index=index,
                header=d.name,
                field=FieldDef.for_entity(key, d.name, entity, d.kind),
                mixed=mixed,
                validated=d.kind == "pii" and entity in VALIDATED,
                states_kind=d.kind != "pii" and d.name.strip().lower() in KIND_HEADERS,
                hint_index=hint,
            )
        )
    for plan in plans:
        family = next((f for f in families if plan.field.entity in f), ())
        if not plan.mixed or plan.field.key == "customer_name":
            continue
        for member in family:
            key = _unique(ENTITIES[member].field, used)
            used.add(key)
            plan.cell_fields[member] = FieldDef.for_entity(
                key, f"{plan.header} ({ENTITIES[member].label_zh})", member, "pii"
            )
    return plans


def all_fields(plans: Sequence[ColumnPlan]) -> list[FieldDef]:
    """Every field an import may write: each column's and each mixed member's."""
    return [f for p in plans for f in (p.field, *p.cell_fields.values())]


def _field_key(d: ColumnDecisionLike, used: set[str], *, mixed: bool) -> str:
    if d.kind == "pii" and mixed:
        base = MIXED_FIELDS.get(d.entity or "", MIXED_DEFAULT_FIELD)
    elif d.kind == "pii" and d.entity in ENTITIES and ENTITIES[d.entity].field:
        base = ENTITIES[d.entity].field
    elif d.kind == "free_text":
        base = "notes"
    else:
        base = d.name.strip()
    return _unique(base, used)


def _unique(base: str, used: set[str]) -> str:
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
