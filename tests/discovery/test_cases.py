"""The recognizer case corpus (tests/data/discovery_cases.json): true and false positives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piplvault.discovery import find_spans, normalise, validate

_CASES = json.loads(
    (Path(__file__).parents[1] / "data" / "discovery_cases.json").read_text("utf-8")
)


@pytest.mark.parametrize(("entity", "value", "expected"), _CASES["values"])
def test_validate_case(entity: str, value: str, expected: bool) -> None:
    assert validate(entity, value) is expected


@pytest.mark.parametrize(("entity", "value", "expected"), _CASES["normalised"])
def test_normalise_case(entity: str, value: str, expected: str) -> None:
    assert normalise(entity, value) == expected


@pytest.mark.parametrize(("text", "expected"), _CASES["texts"])
def test_find_spans_case(text: str, expected: list[list[str]]) -> None:
    found = [[text[s.start : s.end], s.entity] for s in find_spans(text)]
    assert found == expected
