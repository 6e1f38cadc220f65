"""Find personal information inside free text (notes, remarks, messages)."""

from __future__ import annotations

from dataclasses import dataclass

from piplvault.discovery.characters import to_halfwidth
from piplvault.discovery.context import follows_word
from piplvault.discovery.registry import all_recognizers

#: Below this priority a recognizer is "structured" (validated numbers, e-mail) and its
#: matches win over overlapping text matches (names, addresses) whatever their length.
_STRUCTURED = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """One finding in a text: ``text[start:end]`` is an ``entity``."""

    start: int
    end: int
    entity: str


def find_spans(text: str) -> list[Span]:
    """Entity spans in ``text`` (offsets into the original string, end exclusive)."""
    if not text or text.isspace():
        return []
    folded = to_halfwidth(text)
    candidates: list[tuple[int, int, int, int, int, str]] = []
    for recognizer in all_recognizers():
        if recognizer.trigger is not None and not recognizer.trigger.search(folded):
            continue
        structured = 0 if recognizer.priority < _STRUCTURED else 1
        for start, end in recognizer.find(folded):
            introduced = recognizer.context and follows_word(
                folded, start, recognizer.context
            )
            candidates.append(
                (
                    structured,
                    start - end,
                    0 if introduced else 1,
                    recognizer.priority,
                    start,
                    recognizer.entity,
                )
            )
    candidates.sort()
    taken: list[tuple[int, int]] = []
    spans: list[Span] = []
    for _, negative_length, _, _, start, entity in candidates:
        end = start - negative_length
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        spans.append(Span(start=start, end=end, entity=entity))
    spans.sort(key=lambda s: s.start)
    return spans
