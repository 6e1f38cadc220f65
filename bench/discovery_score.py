"""Score piplvault's discovery against a labelled corpus (customers.csv + truth.json).

Scoring follows the corpus README: a cell label is a true positive when it equals the
truth label; a span when row, column, start, end and entity all match. F1 per entity.

    python bench/discovery_score.py /work/shared/data/corpus-public-10k
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def f1_table(
    tp: Counter[str], fp: Counter[str], fn: Counter[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per entity."""
    out: dict[str, dict[str, float]] = {}
    for entity in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[entity] / (tp[entity] + fp[entity]) if tp[entity] + fp[entity] else 0.0
        r = tp[entity] / (tp[entity] + fn[entity]) if tp[entity] + fn[entity] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[entity] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": tp[entity] + fn[entity],
        }
    return out


def score_cells(
    truth: dict[str, list[str | None]], predicted: dict[str, list[str | None]]
) -> tuple[dict[str, dict[str, float]], list[tuple[str, int, str | None, str | None]]]:
    """Cell-level F1 per entity, and the list of wrong cells (column, row, truth, got)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    for column, labels in truth.items():
        got = predicted.get(column, [None] * len(labels))
        for row, (want, have) in enumerate(zip(labels, got, strict=True)):
            if want == have:
                if want is not None:
                    tp[want] += 1
                continue
            errors.append((column, row, want, have))
            if have is not None:
                fp[have] += 1
            if want is not None:
                fn[want] += 1
    return f1_table(tp, fp, fn), errors


def score_spans(
    truth: Iterable[Iterable[Any]], predicted: Iterable[tuple[int, str, int, int, str]]
) -> tuple[dict[str, dict[str, float]], set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Span-level F1 per entity; also the missed and the spurious spans."""
    want = {tuple(s[:5]) for s in truth}
    have = set(predicted)
    tp: Counter[str] = Counter(s[4] for s in want & have)
    fp: Counter[str] = Counter(s[4] for s in have - want)
    fn: Counter[str] = Counter(s[4] for s in want - have)
    return f1_table(tp, fp, fn), want - have, have - want


def score_corpus(folder: Path, *, workers: int | None = None) -> dict[str, Any]:
    """Run ``scan_table(cells=True)`` over a corpus folder and score it."""
    from piplvault.discovery import scan_table
    from piplvault.io.tables import open_table

    truth = json.loads((folder / "truth.json").read_text("utf-8"))
    table = open_table(folder / "customers.csv")
    result = scan_table(table.headers, table.rows(), cells=True, workers=workers)
    decoys = {c["name"] for c in truth["columns"] if c["kind"] in ("decoy", "non_pii")}
    decisions = {c.name: c for c in result.columns}
    cells, cell_errors = score_cells(truth["cells"], result.cells or {})
    spans, missed, spurious = score_spans(
        truth["spans"],
        ((f.row, f.column, f.start, f.end, f.entity) for f in result.findings),
    )
    return {
        "rows": result.rows,
        "decoy_columns_flagged": sorted(
            n for n in decoys if decisions[n].kind == "pii"
        ),
        "columns": {c.name: [c.kind, c.entity, c.mixed] for c in result.columns},
        "cells": cells,
        "spans": spans,
        "cell_errors": cell_errors,
        "missed_spans": sorted(missed),
        "spurious_spans": sorted(spurious),
    }


def main() -> None:
    folder = Path(
        sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/corpus-public-10k"
    )
    report = score_corpus(folder)
    print(
        json.dumps(
            {k: report[k] for k in ("rows", "decoy_columns_flagged", "cells", "spans")},
            ensure_ascii=False,
            indent=1,
        )
    )
    for key in ("cell_errors", "missed_spans", "spurious_spans"):
        print(key, len(report[key]))
        for item in report[key][:25]:
            print("  ", item)


if __name__ == "__main__":
    main()
