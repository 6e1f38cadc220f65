"""Find and classify personal information in tables and free text (pure, no I/O).

Recognizers (one module per entity type) validate, normalise and find values; the
column classifier decides what each column holds; :func:`scan_table` streams a table.
"""

from __future__ import annotations

import re

from piplvault.discovery.cells import cell_values, clean_cell
from piplvault.discovery.columns import ColumnDecision, classify_columns, label_cell
from piplvault.discovery.columns import accepts as _accepts
from piplvault.discovery.registry import Recognizer, all_recognizers, get_recognizer
from piplvault.discovery.scanner import Finding, ScanResult, scan_table
from piplvault.discovery.spans import Span, find_spans


def validate(entity: str, value: str) -> bool:
    """Whether ``value`` is a valid ``entity`` (check digits, dates, numbering plans)."""
    return get_recognizer(entity).validate(value)


def validate_cell(entity: str, value: str) -> bool:
    """Whether a cell from an export is a valid ``entity``: cleaned first (apostrophes,
    ``="…"``, labels, 微信同号), every value valid if it holds several (issue 12.4)."""
    return _accepts(entity, clean_cell(value))


def normalise(entity: str, value: str) -> str:
    """The canonical form of ``value`` as an ``entity`` (used for blind indexes)."""
    return get_recognizer(entity).normalise(value)


#: Shapes of values that fail only a numbering plan that lags reality (data-only 14x
#: mobile segments, new area codes): such a value is flagged for review, never dropped.
_PLAUSIBLE = {
    "CN_MOBILE": re.compile(
        r"(?:\+?86|0086|\(\+?86\))?[ -]?1\d{2}[ -]?\d{4}[ -]?\d{4}"
    ),
    "CN_LANDLINE": re.compile(r"\(?0\d{2,3}\)?[ -]?[2-9]\d{6,7}(?:[ -]?\d{1,6})?"),
}


def plausible(entity: str, value: str) -> bool:
    """Whether an invalid ``value`` has the shape of ``entity`` (only the numbering plan
    says no), so it is kept and flagged even under ``--on-invalid reject``."""
    pattern = _PLAUSIBLE.get(entity)
    return pattern is not None and pattern.fullmatch(value.strip()) is not None


def entity_names() -> list[str]:
    """Every entity name a recognizer exists for, sorted."""
    return sorted(r.entity for r in all_recognizers())


__all__ = [
    "ColumnDecision",
    "Finding",
    "Recognizer",
    "ScanResult",
    "Span",
    "all_recognizers",
    "cell_values",
    "classify_columns",
    "clean_cell",
    "entity_names",
    "find_spans",
    "get_recognizer",
    "label_cell",
    "normalise",
    "plausible",
    "scan_table",
    "validate",
    "validate_cell",
]
