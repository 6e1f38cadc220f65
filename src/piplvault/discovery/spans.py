"""Find personal information inside free text (notes, remarks, messages)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from piplvault.discovery.characters import to_halfwidth
from piplvault.discovery.context import follows_word
from piplvault.discovery.registry import Recognizer, all_recognizers

#: Below this priority a recognizer is "structured" (validated numbers, e-mail) and its
#: matches win over overlapping text matches (names, addresses) whatever their length.
_STRUCTURED = 50
_FULLWIDTH = re.compile("[\u2014\u2212\u3000\uff01-\uff5e]")

#: (start, end, entity)
SpanTuple = tuple[int, int, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """One finding in a text: ``text[start:end]`` is an ``entity``."""

    start: int
    end: int
    entity: str


def find_spans(text: str) -> list[Span]:
    """Entity spans in ``text`` (offsets into the original string, end exclusive)."""
    return [Span(start=s, end=e, entity=n) for s, e, n in find_span_tuples(text)]


def find_span_tuples(text: str) -> tuple[SpanTuple, ...]:
    """Like :func:`find_spans`, as ``(start, end, entity)`` tuples (the fast path)."""
    if not text or text.isspace():
        return ()
    return _cached_spans(text)


#: Notes repeat a lot in real exports (已电话回访，客户表示满意。); remember recent ones.
@lru_cache(maxsize=8192)
def _cached_spans(text: str) -> tuple[SpanTuple, ...]:
    folded = to_halfwidth(text) if _FULLWIDTH.search(text) else text
    found: dict[tuple[int, int], list[Recognizer]] = {}
    for recognizer in _ordered():
        if recognizer.trigger is not None and not recognizer.trigger.search(folded):
            continue
        for span in recognizer.find(folded):
            found.setdefault(span, []).append(recognizer)
    if not found:
        return ()
    candidates = []
    for (start, end), recognizers in found.items():
        best = _pick(folded, start, recognizers)
        structured = 0 if best.priority < _STRUCTURED else 1
        candidates.append((structured, start - end, best.priority, start, best.entity))
    candidates.sort()
    taken: list[tuple[int, int]] = []
    spans: list[SpanTuple] = []
    for _, negative_length, _, start, entity in candidates:
        end = start - negative_length
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        spans.append((start, end, entity))
    spans.sort()
    return tuple(spans)


def _pick(text: str, start: int, recognizers: list[Recognizer]) -> Recognizer:
    """Of recognizers matching the same span, the one whose context word precedes it."""
    if len(recognizers) > 1:
        for recognizer in recognizers:
            if recognizer.context and follows_word(text, start, recognizer.context):
                return recognizer
    return recognizers[0]


@cache
def _ordered() -> tuple[Recognizer, ...]:
    return tuple(all_recognizers())
