"""``make bench``: measure piplvault against baselines run on the same machine, same run.

Writes bench/results/latest.md and bench/results/latest.json (with machine info).

* import: the 100,000-row sample customer table (examples/generate.py, seeded) into a fresh
  SQLite vault, against a plain SQLite ``executemany`` of the same plaintext rows with the
  same durability settings (WAL, synchronous=FULL, one transaction);
* lookup: exact find by phone through the blind index in a 1,000,000-customer vault;
* discovery: bench/discovery_bench.py (piplvault scan vs Presidio), when present;
* messy exports (issue 12): bench/messy_bench.py on 100,000 messy rows per seed (tuning
  11, held-out 12) — typed cell F1 per entity, strict span F1, decoy columns, cells/s
  against Presidio in the same run, peak RSS of the scanning process tree;
* cli start-up: ``piplvault --help`` / ``--version`` wall time (bench/cli_startup.py).

Options: --import-rows N, --lookup-customers N, --skip-discovery, --messy-rows N,
--messy-presidio-rows N, --skip-messy.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from examples.generate import HEADERS, make_rows, write_csv  # noqa: E402

from bench.gen_customers import write as write_fast_table  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from piplvault import discovery  # noqa: E402
from piplvault.io.tables import open_table  # noqa: E402
from piplvault.settings import load_settings  # noqa: E402
from piplvault.store.schema import blind_index  # noqa: E402
from piplvault.vault import Vault  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
PASSPHRASE = "bench-口令-import-lookup"


def sample_table(rows: int) -> Path:
    path = CACHE / f"customers-{rows}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        write_csv(path, make_rows(rows, seed=20261123), "utf-8")
    return path


def baseline_executemany(path: Path, workdir: Path) -> float:
    """Seconds to insert the same plaintext rows with sqlite3.executemany."""
    db_path = workdir / "plain.db"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        start = time.perf_counter()
        db = sqlite3.connect(db_path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON"):
            db.execute(f"PRAGMA {pragma}")
        cols = ", ".join(f'"{h}" TEXT' for h in header)
        db.execute(f"CREATE TABLE customers (id INTEGER PRIMARY KEY, {cols})")
        marks = ", ".join("?" for _ in header)
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO customers VALUES (NULL, {marks})", reader)  # noqa: S608
        db.execute("COMMIT")
        elapsed = time.perf_counter() - start
        db.close()
    return elapsed


def new_vault(home: Path) -> Vault:
    os.environ["PIPLVAULT_KDF_MEMORY_KIB"] = str(64 * 1024)
    return Vault.create(load_settings({"home": home, "passphrase": PASSPHRASE}))


def bench_import(rows: int, workdir: Path) -> dict[str, Any]:
    path = sample_table(rows)
    baseline = min(
        baseline_executemany(path, workdir / f"b{i}")
        for i in range(3)
        if (workdir / f"b{i}").mkdir(parents=True) is None
    )
    vault = new_vault(workdir / "vault")
    start = time.perf_counter()
    report = vault.import_table(open_table(path))
    elapsed = time.perf_counter() - start
    vault.close()
    stored = report.new + report.updated + report.unchanged
    assert stored == rows, report.to_dict()  # noqa: S101  a bench must import every row
    return {
        "rows": rows,
        "columns": len(HEADERS),
        "piplvault_seconds": round(elapsed, 3),
        "piplvault_rows_per_s": round(rows / elapsed),
        "baseline_executemany_seconds": round(baseline, 3),
        "baseline_rows_per_s": round(rows / baseline),
        "ratio_to_baseline": round(baseline / elapsed, 3),
        "target_rows_per_s": 25000,
        "target_ratio": 0.25,
    }


def bench_lookup(customers: int, workdir: Path, probes: int = 2000) -> dict[str, Any]:
    path = write_fast_table(CACHE / f"fast-{customers}.csv", customers)
    vault = new_vault(workdir / "big")
    start = time.perf_counter()
    vault.import_table(open_table(path))
    import_seconds = time.perf_counter() - start
    rng = random.Random(5)
    with path.open(encoding="utf-8") as fh:
        phones = [line.split(",")[3] for line in fh][1:]
    picks = [rng.choice(phones) for _ in range(probes)]
    store_ms, full_ms = [], []
    with vault.engine.connect() as conn:
        for phone in picks:
            t0 = time.perf_counter()
            tag = vault.keyring.blind_tag(
                "phone", discovery.normalise("CN_MOBILE", phone)
            )
            ids = (
                conn.execute(
                    select(blind_index.c.customer_id).where(
                        blind_index.c.kind == "phone", blind_index.c.tag == tag
                    )
                )
                .scalars()
                .all()
            )
            store_ms.append((time.perf_counter() - t0) * 1000)
            assert ids, phone  # noqa: S101  every probe exists
    for phone in picks[:200]:
        t0 = time.perf_counter()
        found = vault.find_customers("phone", phone)
        full_ms.append((time.perf_counter() - t0) * 1000)
        assert found  # noqa: S101
    vault.close()
    return {
        "customers": customers,
        "build_import_seconds": round(import_seconds, 1),
        "build_rows_per_s": round(customers / import_seconds),
        "blind_index_lookup_ms": _percentiles(store_ms),
        "find_command_ms (decrypt + masked view + audited, durable commit)": _percentiles(
            full_ms
        ),
        "target_p99_ms": 2.0,
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 3),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3),
        "max": round(ordered[-1], 3),
    }


def bench_discovery() -> dict[str, Any] | None:
    script = ROOT / "bench" / "discovery_bench.py"
    if not script.exists():
        return None
    subprocess.run([sys.executable, str(script)], check=True, cwd=ROOT)
    result = RESULTS / "discovery.json"
    return json.loads(result.read_text(encoding="utf-8")) if result.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--lookup-customers", type=int, default=1_000_000)
    parser.add_argument("--skip-discovery", action="store_true")
    parser.add_argument("--delete-customers", type=int, default=100_000)
    parser.add_argument("--backup-customers", type=int, default=1_000_000)
    parser.add_argument("--skip-lifecycle", action="store_true")
    parser.add_argument("--messy-rows", type=int, default=100_000)
    parser.add_argument("--messy-presidio-rows", type=int, default=3000)
    parser.add_argument("--skip-messy", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine_info(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    from bench import cli_startup

    results["cli_startup"] = cli_startup.run()
    print(json.dumps(results["cli_startup"], ensure_ascii=False))
    workdir = Path(tempfile.mkdtemp(prefix="piplvault-bench-"))
    try:
        results["import"] = bench_import(args.import_rows, workdir / "import")
        print(json.dumps(results["import"], ensure_ascii=False))
        results["lookup"] = bench_lookup(args.lookup_customers, workdir / "lookup")
        print(json.dumps(results["lookup"], ensure_ascii=False))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.skip_lifecycle:
        from bench import lifecycle_bench

        results["lifecycle"] = lifecycle_bench.run(
            args.delete_customers, args.backup_customers
        )
        print(json.dumps(results["lifecycle"], ensure_ascii=False))
    if not args.skip_discovery:
        results["discovery"] = bench_discovery()
    if not args.skip_messy:
        from bench import messy_bench

        results["messy"] = messy_bench.measure(
            args.messy_rows, args.messy_presidio_rows
        )
        print(json.dumps(results["messy"]["targets_met"], ensure_ascii=False))
    (RESULTS / "latest.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS / "latest.md").write_text(render_markdown(results), encoding="utf-8")
    print(f"wrote {RESULTS / 'latest.md'}")


def render_markdown(r: dict[str, Any]) -> str:
    m, imp, look = r["machine"], r["import"], r["lookup"]
    lines = [
        "# piplvault benchmark results",
        "",
        f"Run {r['date']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Python {m['python']}, SQLite {m['sqlite']}.",
        "",
        "## Import (SQLite, one transaction, synchronous=FULL)",
        "",
        "| what | rows | seconds | rows/s |",
        "|---|---:|---:|---:|",
        f"| piplvault import (classify, validate, blind-index, encrypt per field) | "
        f"{imp['rows']} | {imp['piplvault_seconds']} | {imp['piplvault_rows_per_s']} |",
        f"| baseline: sqlite3 executemany of the same plaintext rows | {imp['rows']} | "
        f"{imp['baseline_executemany_seconds']} | {imp['baseline_rows_per_s']} |",
        "",
        f"Ratio to baseline: **{imp['ratio_to_baseline']}** (target ≥ {imp['target_ratio']}); "
        f"throughput target ≥ {imp['target_rows_per_s']} rows/s.",
        "",
        f"## Lookup by blind index at {look['customers']:,} customers",
        "",
        f"Vault built by importing {look['customers']:,} rows in "
        f"{look['build_import_seconds']} s ({look['build_rows_per_s']} rows/s).",
        "",
        "| lookup | n | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, value in look.items():
        if isinstance(value, dict):
            lines.append(
                f"| {key} | {value['n']} | {value['p50']} | {value['p99']} | "
                f"{value['max']} |"
            )
    lines += ["", f"Target: blind-index lookup p99 < {look['target_p99_ms']} ms.", ""]
    startup = r.get("cli_startup")
    if startup:
        lines += [
            "## CLI start-up",
            "",
            "| command | median s | min s | median CPU s |",
            "|---|---:|---:|---:|",
            *(
                f"| piplvault --{name} | {startup[name]['median_seconds']} | "
                f"{startup[name]['min_seconds']} | "
                f"{startup[name]['median_cpu_seconds']} |"
                for name in ("help", "version")
            ),
            "",
            f"Target: --help < {startup['target_seconds']} s.",
            "",
        ]
    life = r.get("lifecycle")
    if life:
        lines += [
            "## Lifecycle (crypto-shred deletion, backup, restore)",
            "",
            "Ratios are against copying the database file in the same run.",
            "",
            "```json",
            json.dumps(life, ensure_ascii=False, indent=1),
            "```",
            "",
        ]
    disc = r.get("discovery")
    if disc:
        lines += [
            "## Discovery",
            "",
            "See bench/results/discovery.md for the full table.",
            "",
            "```json",
            json.dumps(
                {k: v for k, v in disc.items() if k != "machine"},
                ensure_ascii=False,
                indent=1,
            )[:4000],
            "```",
            "",
        ]
    messy = r.get("messy")
    if messy:
        lines += [
            "## Messy exports (issue 12)",
            "",
            "See bench/results/messy.md for the full tables.",
            "",
            "| seed | rows | cells/s | peak RSS MiB | lowest cell F1 | span F1 (all) |",
            "|---|---:|---:|---:|---:|---:|",
            *(
                f"| {s['seed']} ({s['role']}) | {s['rows']:,} | {s['cells_per_s']:,} | "
                f"{s['peak_rss_mib']} | {min(s['cell_f1'].values()):.4f} | "
                f"{s['span_f1_all']:.4f} |"
                for s in messy["seeds"]
            ),
            "",
            f"Presidio {messy['presidio']['cells_per_s']:,} cells/s on "
            f"{messy['presidio']['rows']:,} rows; ratio **{messy['speed_ratio']}×**. "
            "Targets: "
            + ", ".join(
                f"{k} {'met' if v else 'NOT met'}"
                for k, v in messy["targets_met"].items()
            )
            + ".",
            "",
        ]
    lines += ["## Packages", "", "```", json.dumps(m["packages"], indent=1), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
