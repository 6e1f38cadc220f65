"""A person's decisions over the classifier's: ``--map COLUMN=ENTITY`` and mapping files.

Targets are an entity (``CN_RESIDENT_ID``), a family written ``A|B`` for a mixed column
(``PERSON|ORG_NAME``, ``CN_MOBILE|CN_LANDLINE``), ``free_text`` or ``non_pii``. Every
override is returned as a change (column, from, to) so the import can audit it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from piplvault.core.classification import ENTITIES
from piplvault.discovery.columns import (
    FAMILIES,
    ColumnDecision,
    free_text_decision,
    non_pii_decision,
    pii_decision,
)
from piplvault.errors import ValidationError

KINDS = ("free_text", "non_pii")


def parse_map_options(options: Iterable[str]) -> dict[str, str]:
    """``["身份证=CN_RESIDENT_ID", …]`` → ``{"身份证": "CN_RESIDENT_ID", …}``."""
    mapping: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise ValidationError(f"--map needs COLUMN=ENTITY, not '{option}'")
        mapping[column.strip()] = target.strip()
    return mapping


def mapping_from_document(document: Any, source: str) -> dict[str, str]:
    """The ``columns`` of a saved mapping document (``{"columns": {header: target}}``)."""
    columns = document.get("columns") if isinstance(document, dict) else None
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise ValidationError(
            f'{source}: a mapping file is {{"columns": {{"COLUMN": "ENTITY", …}}}}'
        )
    return dict(columns)


def apply_overrides(
    decisions: Sequence[ColumnDecision], overrides: Mapping[str, str]
) -> tuple[list[ColumnDecision], list[dict[str, Any]]]:
    """Decisions with the overrides applied, and the list of changes made."""
    by_name = {d.name: i for i, d in enumerate(decisions)}
    unknown = [c for c in overrides if c not in by_name]
    if unknown:
        raise ValidationError(
            f"--map names no column '{unknown[0]}'; columns: "
            + ", ".join(d.name for d in decisions)
        )
    out = list(decisions)
    changes = []
    for column, target in overrides.items():
        old = out[by_name[column]]
        new = decided_by_person(old, target)
        out[by_name[column]] = new
        changes.append({"column": column, "from": describe(old), "to": describe(new)})
    return out, changes


def decided_by_person(old: ColumnDecision, target: str) -> ColumnDecision:
    name, ratio = old.name, old.valid_ratio
    if target == "free_text":
        return replace(free_text_decision(name, 1.0), hint=None)
    if target == "non_pii":
        return replace(non_pii_decision(name, 0.0), confidence=1.0)
    if "|" in target:
        members = tuple(part.strip() for part in target.split("|"))
        for family in FAMILIES:
            if len(set(members)) >= 2 and set(members) <= set(family):
                return pii_decision(name, members[0], 1.0, ratio, mixed=True)
        raise ValidationError(
            f"'{target}' is not a mixed family; use "
            + " or ".join("|".join(f) for f in FAMILIES)
        )
    if target not in ENTITIES:
        valid = ", ".join([*sorted(ENTITIES), *KINDS])
        raise ValidationError(
            f"Unknown entity '{target}' in --map; use one of: {valid}"
        )
    return pii_decision(name, target, 1.0, ratio)


def describe(decision: ColumnDecision) -> str:
    """``CN_RESIDENT_ID``, ``PERSON|ORG_NAME``, ``free_text`` or ``non_pii``."""
    if decision.kind != "pii":
        return decision.kind
    if decision.mixed:
        for family in FAMILIES:
            if decision.entity in family:
                return "|".join(family)
    return decision.entity or "pii"
