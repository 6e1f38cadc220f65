"""Console pages on a 1,000,000-customer vault: render latency p50/p99 and CPU per page
for the dashboard and the customer search (issue 15), how soon the dashboard's figures
are ready, and the one-off migration that indexes the field names (0011).

The vault is api_bench's cached one (a real import of bench/gen_customers rows, built
once under bench/.cache and copied here, so the run's audit entries never touch the
cache). The console runs in-process: the real FastAPI app through Starlette's
TestClient, logged in as the owner. The searches look up values of the imported table
(phone, resident ID, e-mail, name), by blind index, masked.

    python bench/console_bench.py [--customers 1000000] [--loads 100] [--searches 200]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bench.api_bench import (  # noqa: E402
    CACHE,
    OWNER_PASSWORD,
    PASSPHRASE,
    cached_vault,
)
from bench.gen_customers import rows as generated_rows  # noqa: E402
from bench.machine import machine_info  # noqa: E402
from piplvault.api.app import create_app  # noqa: E402
from piplvault.settings import load_settings  # noqa: E402
from piplvault.vault import Vault  # noqa: E402
from piplvault.vault.dashboard_figures import figures  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: bench/gen_customers columns: 姓名, 身份证号, 手机号, 邮箱 → the console's search kinds
SEARCH_COLUMNS = {"name": 1, "id_number": 2, "phone": 3, "email": 4}
TARGET_P99_MS = 500


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p99": round(
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1
        ),
        "max": round(ordered[-1] * 1000, 1),
    }


def _timed(
    call: Callable[[], Any], times: int
) -> tuple[dict[str, float], float, list[Any]]:
    """Latency percentiles, CPU ms per call (this process: server and client, which
    share it), and the answers."""
    wall, answers = [], []
    cpu0 = time.process_time()
    for _ in range(times):
        start = time.perf_counter()
        answers.append(call())
        wall.append(time.perf_counter() - start)
    cpu = (time.process_time() - cpu0) * 1000 / max(times, 1)
    return _ms(wall), round(cpu, 1), answers


def _sample_values(customers: int, count: int) -> list[tuple[str, str]]:
    """(search kind, value) pairs of random imported rows."""
    rng = random.Random(15)
    wanted = sorted(rng.sample(range(customers), min(count, customers)))
    table = CACHE / f"fast-{customers}.csv"
    picked: list[list[str]] = []
    if table.is_file():
        with table.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            want = iter(wanted)
            target = next(want, None)
            for n, row in enumerate(reader):
                if n == target:
                    picked.append(row)
                    target = next(want, None)
                    if target is None:
                        break
    else:
        chosen = set(wanted)
        picked = [r for n, r in enumerate(generated_rows(customers)) if n in chosen]
    kinds = list(SEARCH_COLUMNS)
    return [
        (kinds[n % len(kinds)], row[SEARCH_COLUMNS[kinds[n % len(kinds)]]])
        for n, row in enumerate(picked)
    ]


def run(customers: int, loads: int, searches: int) -> dict[str, Any]:
    cached, build_s = cached_vault(customers)
    work = Path(tempfile.mkdtemp(prefix="piplvault-consolebench-"))
    home = work / "vault"
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        shutil.copytree(cached, home)
        settings = load_settings({"home": home, "passphrase": PASSPHRASE})
        start = time.perf_counter()
        vault = Vault.open(settings, pooled=True)  # migrates a cache built before 0011
        open_s = time.perf_counter() - start
        try:
            start = time.perf_counter()
            cpu0 = time.process_time()
            figures(vault)
            figures_s = time.perf_counter() - start
            figures_cpu = time.process_time() - cpu0
            result = _pages(vault, customers, loads, searches)
        finally:
            vault.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "customers": customers,
        "build_seconds": round(build_s, 1),
        "open_and_migrate_seconds": round(open_s, 1),
        "figures_seconds": round(figures_s, 2),
        "figures_cpu_seconds": round(figures_cpu, 2),
        **result,
        "load_average": {
            "before": load_before,
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "target_p99_ms": TARGET_P99_MS,
    }


def _pages(vault: Vault, customers: int, loads: int, searches: int) -> dict[str, Any]:
    values = _sample_values(customers, searches)
    with TestClient(create_app(vault), base_url="http://testserver") as client:
        form = CSRF.search(client.get("/console/login").text)
        if form is None:
            raise SystemExit("no CSRF token on the login page")
        client.post(
            "/console/login",
            data={"user": "owner", "password": OWNER_PASSWORD, "csrf_token": form[1]},
        )
        start = time.perf_counter()
        first = client.get("/console/")
        cold = time.perf_counter() - start
        if first.status_code != 200:
            raise SystemExit(f"dashboard answered {first.status_code}")
        pending = 'id="figures-pending"' in first.text
        while 'id="figures-time"' not in client.get("/console/dashboard/figures").text:
            time.sleep(0.2)
        ready = time.perf_counter() - start

        def dashboard() -> int:
            page = client.get("/console/")
            if page.status_code != 200 or 'id="figures-time"' not in page.text:
                raise SystemExit(f"dashboard answered {page.status_code}")
            return page.status_code

        dash_ms, dash_cpu, _ = _timed(dashboard, loads)
        token = CSRF.search(client.get("/console/customers").text)
        if token is None:
            raise SystemExit("no CSRF token on the customers page")
        queue = iter(values)

        def search() -> int:
            by, value = next(queue)
            page = client.post(
                "/console/customers/search",
                data={"by": by, "value": value, "csrf_token": token[1]},
            )
            if page.status_code != 200 or 'href="/console/customers/' not in page.text:
                raise SystemExit(f"search by {by} found nothing ({page.status_code})")
            return page.status_code

        search_ms, search_cpu, _ = _timed(search, len(values))
        list_ms, list_cpu, _ = _timed(lambda: client.get("/console/customers"), 20)
    return {
        "dashboard_cold_first_load_ms": round(cold * 1000, 1),
        "dashboard_cold_showed_pending": pending,
        "dashboard_figures_ready_seconds": round(ready, 2),
        "dashboard_ms": dash_ms,
        "dashboard_cpu_ms_per_page": dash_cpu,
        "search_ms": search_ms,
        "search_cpu_ms_per_page": search_cpu,
        "search_kinds": sorted(SEARCH_COLUMNS),
        "customer_list_ms": list_ms,
        "customer_list_cpu_ms_per_page": list_cpu,
    }


def markdown(result: dict[str, Any]) -> str:
    """The run as a short report (bench/results/console.md)."""
    dash, search, listing = (
        result["dashboard_ms"],
        result["search_ms"],
        result["customer_list_ms"],
    )
    target = result["target_p99_ms"]
    load = result["load_average"]
    lines = [
        "# Console pages on a large vault (issue 15)",
        "",
        f"`{result['command']}` — the real FastAPI app in-process (Starlette "
        f"TestClient), logged in as the owner, over a vault of {result['customers']:,} "
        "customers imported from bench/gen_customers rows (api_bench's cached vault, "
        "copied). CPU is this process's (server and client share it) per page: a "
        "load-independent cost on this shared machine.",
        "",
        "| page | p50 (ms) | p99 (ms) | max (ms) | CPU per page (ms) | target |",
        "|---|---|---|---|---|---|",
        f"| dashboard `/console/` ({dash['n']} loads, figures cached) | {dash['p50']} "
        f"| {dash['p99']} | {dash['max']} | {result['dashboard_cpu_ms_per_page']} "
        f"| p99 < {target} |",
        f"| customer search ({search['n']}: phone, ID, e-mail, name) | "
        f"{search['p50']} | {search['p99']} | {search['max']} | "
        f"{result['search_cpu_ms_per_page']} | p99 < {target} |",
        f"| customer list, first page ({listing['n']} loads) | {listing['p50']} | "
        f"{listing['p99']} | {listing['max']} | "
        f"{result['customer_list_cpu_ms_per_page']} | |",
        "",
        "| dashboard figures | value |",
        "|---|---|",
        f"| set-based count (GROUP BY; s, CPU s) | {result['figures_seconds']} "
        f"({result['figures_cpu_seconds']} CPU) |",
        f"| first dashboard load (ms; figures pending: "
        f"{result['dashboard_cold_showed_pending']}) | "
        f"{result['dashboard_cold_first_load_ms']} |",
        f"| figures on the page after (s) | {result['dashboard_figures_ready_seconds']} |",
        f"| vault open incl. migration 0011 when the cache predates it (s) | "
        f"{result['open_and_migrate_seconds']} |",
        f"| vault build (s, 0 = cached) | {result['build_seconds']} |",
        f"| load average before / after (1/5/15 min) | {load['before']} / "
        f"{load['after']} |",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in result["machine"].items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--loads", type=int, default=100)
    parser.add_argument("--searches", type=int, default=200)
    args = parser.parse_args()
    result = {
        "machine": machine_info(),
        **run(args.customers, args.loads, args.searches),
        "command": " ".join(["python", "bench/console_bench.py", *sys.argv[1:]]),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "console.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (RESULTS / "console.md").write_text(markdown(result), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
