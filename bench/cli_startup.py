"""CLI start-up time: ``piplvault --help`` / ``--version`` wall time (target < 1 s).

The command tree loads SQLAlchemy, Alembic, FastAPI and Jinja2 only when a command runs
(piplvault.cli.lazy), so help and completion stay fast. Run alone: python bench/cli_startup.py
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

TARGET_SECONDS = 1.0


def run(repeats: int = 7) -> dict[str, Any]:
    result: dict[str, Any] = {"target_seconds": TARGET_SECONDS, "repeats": repeats}
    for name, argv in (("help", ["--help"]), ("version", ["--version"])):
        samples, cpu = [], []
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "piplvault", *argv],
                check=True,
                capture_output=True,
            )
            samples.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            )
        result[name] = {
            "median_seconds": round(statistics.median(samples), 3),
            "min_seconds": round(min(samples), 3),
            # CPU time does not grow with other load on a shared machine; wall time does.
            "median_cpu_seconds": round(statistics.median(cpu), 3),
        }
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
