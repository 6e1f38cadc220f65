"""Typed cell F1 per entity on messy exports (issue 12 targets), tuning and held-out seed.

Generates a messy export per seed (bench/gen_messy.py), scans it with
``scan_table(cells=True)`` in one process and scores it like discovery_score.py: cell F1
per entity, span F1 on the notes column, decoy columns classified as personal data, and
cells per second.

    python -m bench.messy_bench --rows 2000              # quick (seeds 11 and 12)
    python -m bench.messy_bench --rows 100000 --workers 2  # the full run
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.discovery_score import score_cells, score_spans
from bench.gen_messy import generate

TUNING_SEED, HELD_OUT_SEED = 11, 12


def run(rows: int, seed: int, workers: int | None) -> dict[str, Any]:
    from piplvault.discovery import scan_table
    from piplvault.io.tables import open_table

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        generate(rows, seed, out)
        truth = json.loads((out / "truth.json").read_text("utf-8"))
        began = time.perf_counter()
        table = open_table(out / "customers.csv")
        result = scan_table(table.headers, table.rows(), cells=True, workers=workers)
        seconds = time.perf_counter() - began
    decoys = {c["name"] for c in truth["columns"] if c["kind"] in ("decoy", "non_pii")}
    cells, errors = score_cells(truth["cells"], result.cells or {})
    spans, missed, spurious = score_spans(
        truth["spans"],
        ((f.row, f.column, f.start, f.end, f.entity) for f in result.findings),
    )
    return {
        "seed": seed,
        "rows": result.rows,
        "cells_per_second": round(result.rows * len(table.headers) / seconds),
        "decoy_columns_flagged": sorted(
            c.name for c in result.columns if c.name in decoys and c.kind == "pii"
        ),
        "columns": {c.name: [c.kind, c.entity, c.mixed] for c in result.columns},
        "cell_f1": {k: v["f1"] for k, v in cells.items()},
        "span_f1": {k: v["f1"] for k, v in spans.items()},
        "errors_sample": errors[:15],
        "missed_spans": len(missed),
        "spurious_spans": len(spurious),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, action="append")
    args = parser.parse_args()
    for seed in args.seed or [TUNING_SEED, HELD_OUT_SEED]:
        report = run(args.rows, seed, args.workers)
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
