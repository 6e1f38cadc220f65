"""Find and classify personal information in tables and free text (pure, no I/O).

Recognizers (one module per entity type) validate, normalise and find values; the
column classifier decides what each column holds; :func:`scan_table` streams a table.
"""

from __future__ import annotations

from piplvault.discovery.cells import cell_values, clean_cell, plausible
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
