"""Quality on the shared labelled corpus (skipped when the corpus is not present)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from piplvault.discovery import scan_table
from piplvault.io.tables import open_table

CORPUS = Path("/work/shared/data/corpus-public-10k")
STRUCTURED = (
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "EMAIL",
    "BANK_CARD",
    "CN_USCC",
    "CN_LANDLINE",
)
TEXTUAL = ("PERSON", "ORG_NAME", "ADDRESS", "BANK_BRANCH")


def _f1(tp: Counter[str], fp: Counter[str], fn: Counter[str], entity: str) -> float:
    denominator = 2 * tp[entity] + fp[entity] + fn[entity]
    return 2 * tp[entity] / denominator if denominator else 1.0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_shared_corpus_meets_the_quality_bar() -> None:
    truth = json.loads((CORPUS / "truth.json").read_text("utf-8"))
    table = open_table(CORPUS / "customers.csv")
    result = scan_table(table.headers, table.rows(), cells=True, workers=1)
    assert result.cells is not None
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for column, labels in truth["cells"].items():
        for want, have in zip(labels, result.cells[column], strict=True):
            tp[want] += want is not None and want == have
            if want != have:
                fp[have] += have is not None
                fn[want] += want is not None
    for entity in STRUCTURED:
        assert _f1(tp, fp, fn, entity) >= 0.99, entity
    for entity in TEXTUAL:
        assert _f1(tp, fp, fn, entity) >= 0.95, entity
    decoys = {c["name"] for c in truth["columns"] if c["kind"] == "decoy"}
    assert not [c.name for c in result.columns if c.name in decoys and c.kind == "pii"]
    want_spans = {tuple(s[:5]) for s in truth["spans"]}
    have_spans = {(f.row, f.column, f.start, f.end, f.entity) for f in result.findings}
    tp_s = Counter(s[4] for s in want_spans & have_spans)
    fp_s = Counter(s[4] for s in have_spans - want_spans)
    fn_s = Counter(s[4] for s in want_spans - have_spans)
    for entity in STRUCTURED:
        assert _f1(tp_s, fp_s, fn_s, entity) >= 0.97, entity
    for entity in ("PERSON", "ADDRESS"):
        assert _f1(tp_s, fp_s, fn_s, entity) >= 0.85, entity
