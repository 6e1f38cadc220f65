"""An import running in the background for the console, so the page can show its
progress: rows done of the total (the scan preview's row count), the elapsed time and an
estimate of the time left. The job lives with the upload in the person's web session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from piplvault.errors import VaultError


@dataclass(slots=True)
class ImportJob:
    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    report: Any = None
    error: VaultError | None = None

    def advance(self, rows: int) -> None:
        self.done += rows

    @property
    def running(self) -> bool:
        return self.finished is None

    def view(self, now: float | None = None) -> dict[str, Any]:
        """What the progress fragment shows: counts, percent, seconds spent and left."""
        now = time.monotonic() if now is None else now
        elapsed = (self.finished or now) - self.started
        done = min(self.done, self.total) if self.total else self.done
        left: int | None = None
        if self.running and done and self.total:
            left = round(elapsed / done * (self.total - done))
        return {
            "done": done,
            "total": self.total,
            "percent": int(100 * done / self.total) if self.total else 0,
            "elapsed": round(elapsed),
            "eta": left,
            "running": self.running,
            "failed": self.error is not None,
        }


def start(job: ImportJob, work: Callable[[Callable[[int], None]], Any]) -> None:
    """Run ``work(progress)`` in a daemon thread; its report or error lands on ``job``."""

    def run() -> None:
        try:
            job.report = work(job.advance)
        except VaultError as error:
            job.error = error
        except Exception as error:  # noqa: BLE001  shown as an error, never lost
            job.error = VaultError(f"The import failed: {type(error).__name__}")
        finally:
            job.finished = time.monotonic()

    threading.Thread(target=run, name="piplvault-web-import", daemon=True).start()
