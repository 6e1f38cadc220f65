"""Recognizers registered by entity name.

A recognizer knows one entity type: how to validate a whole value, how to put it in
canonical form, and how to find it inside free text. Each lives in its own module and
registers itself here on import; :func:`get_recognizer` looks one up by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: A finder yields ``(start, end)`` offsets of validated matches in half-width text.
Finder = Callable[[str], Iterator[tuple[int, int]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Recognizer:
    """One entity type's validator, normaliser, free-text finder and header hints."""

    entity: str
    validate: Callable[[str], bool]
    normalise: Callable[[str], str]
    find: Finder
    #: Lower-case header fragments that suggest this entity (e.g. "身份证", "id_no").
    headers: tuple[str, ...] = ()
    #: Values alone are ambiguous (dates, 8-digit permits): a column is given this
    #: entity only when its header says so.
    needs_header: bool = False
    #: Words that introduce this entity in free text; when two recognizers match the
    #: same span, the one whose word precedes it wins.
    context: tuple[str, ...] = ()
    #: Lower wins when two recognizers accept the same whole value.
    priority: int = 50
    #: A cheap pattern a text must contain for ``find`` to be worth calling.
    trigger: re.Pattern[str] | None = None


_REGISTRY: dict[str, Recognizer] = {}
_ORDERED: list[Recognizer] = []


def register(recognizer: Recognizer) -> Recognizer:
    """Add ``recognizer``; a second one for the same entity is an error."""
    if recognizer.entity in _REGISTRY:
        raise ValueError(f"a recognizer for {recognizer.entity} is already registered")
    _REGISTRY[recognizer.entity] = recognizer
    return recognizer


def get_recognizer(entity: str) -> Recognizer:
    """The recognizer for ``entity``; raises KeyError naming the valid entities."""
    _load_all()
    try:
        return _REGISTRY[entity]
    except KeyError:
        valid = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"Unknown entity '{entity}'; valid entities: {valid}") from None


def all_recognizers() -> list[Recognizer]:
    """Every registered recognizer, in priority order."""
    _load_all()
    if len(_ORDERED) != len(_REGISTRY):
        _ORDERED[:] = sorted(_REGISTRY.values(), key=lambda r: (r.priority, r.entity))
    return list(_ORDERED)


_LOADED: list[bool] = []


def _load_all() -> None:
    if _LOADED:
        return
    # Importing a recognizer module registers it.
    from piplvault.discovery import (  # noqa: F401
        accounts,
        address,
        bank_branch,
        bank_card,
        birth_date,
        email,
        ip_address,
        landline,
        license_plate,
        military_id,
        mobile,
        organisation,
        person,
        residence_documents,
        resident_id,
        travel_documents,
        uscc,
    )

    _LOADED.append(True)
