"""Console dashboard on a large vault: page render latency with the figures cached, the
first (cold) load, and how long the background count behind it takes.

The vault is filled synthetically (lifecycle_bench.build_vault: the real schema with
ciphertext-shaped records), the console runs in-process (the real FastAPI app through
Starlette's TestClient) logged in as the owner.

    python bench/console_bench.py [--customers 100000] [--loads 50]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bench.lifecycle_bench import build_vault  # noqa: E402
from piplvault.api.app import create_app  # noqa: E402
from piplvault.vault import people  # noqa: E402

PASSWORD = "bench-console-口令"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered) * 1000, 1),
        "p99": round(
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1
        ),
    }


def run(customers: int, loads: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="piplvault-consolebench-"))
    vault = build_vault(work / "vault", customers)
    try:
        people.set_password(vault, "owner", PASSWORD)
        with TestClient(create_app(vault), base_url="http://testserver") as client:
            form = CSRF.search(client.get("/console/login").text)
            if form is None:
                raise SystemExit("no CSRF token on the login page")
            client.post(
                "/console/login",
                data={"user": "owner", "password": PASSWORD, "csrf_token": form[1]},
            )
            start = time.perf_counter()
            first = client.get("/console/")
            cold = time.perf_counter() - start
            pending = 'id="figures-pending"' in first.text
            start = time.perf_counter()
            while (
                'id="figures-time"' not in client.get("/console/dashboard/figures").text
            ):
                time.sleep(0.5)
            counted = time.perf_counter() - start + cold
            warm = []
            for _ in range(loads):
                start = time.perf_counter()
                page = client.get("/console/")
                warm.append(time.perf_counter() - start)
                if page.status_code != 200 or 'id="figures-time"' not in page.text:
                    raise SystemExit(f"dashboard answered {page.status_code}")
    finally:
        vault.close()
    return {
        "customers": customers,
        "cold_first_load_ms": round(cold * 1000, 1),
        "cold_load_showed_pending": pending,
        "background_count_seconds": round(counted, 1),
        "dashboard_cached_ms": _ms(warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--loads", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run(args.customers, args.loads), indent=1))


if __name__ == "__main__":
    main()
