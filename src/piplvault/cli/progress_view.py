"""The CLI client's view of a server command's progress events (issue 14).

At a terminal: the same bar a local command draws (``cli.render.ProgressBar``: done/total,
percentage, elapsed, ETA) on stderr, removed when the command ends. Elsewhere (a log, a
pipe, cron): plain lines on stderr — the first once the work has run
``PIPLVAULT_PROGRESS_EVERY`` seconds (default 5), then at most one per that interval, and
a last one when the work ends — so that short commands print exactly what they print
locally and a long run's log shows it advancing.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

DEFAULT_EVERY = 5.0


def _every() -> float:
    try:
        return max(
            0.0, float(os.environ.get("PIPLVAULT_PROGRESS_EVERY") or DEFAULT_EVERY)
        )
    except ValueError:
        return DEFAULT_EVERY


class ProgressView:
    """Feed it each progress event (``label``, ``total``, ``done``); `close` at the end."""

    def __init__(self) -> None:
        # cli.options.is_terminal, without importing the command modules' options
        self.terminal = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.every = _every()
        self.label: str | None = None
        self.started = time.monotonic()
        self.printed_at: float | None = None
        self.last: dict[str, Any] = {}
        self.bar: Any = None
        self.advance: Any = None
        self.shown = 0

    def __call__(self, event: dict[str, Any]) -> None:
        label, total = str(event.get("label") or ""), event.get("total")
        done = int(event.get("done") or 0)
        if label != self.label:  # a new bar (a command may run several in turn)
            self.close()
            self.label, self.started, self.shown = label, time.monotonic(), 0
        self.last = {"label": label, "total": total, "done": done}
        if self.terminal:
            self._draw(total, done)
        else:
            self._line(final=False)

    def _draw(self, total: int | None, done: int) -> None:
        if self.bar is None:
            from piplvault.cli.app import err_console
            from piplvault.cli.render import ProgressBar

            self.bar = ProgressBar(str(self.label), total, err_console, enabled=True)
            self.advance = self.bar.__enter__()
        self.bar.expect(total)
        if done > self.shown and self.advance is not None:
            self.advance(done - self.shown)
            self.shown = done

    def _line(self, *, final: bool) -> None:
        now = time.monotonic()
        if final:
            if self.printed_at is None:
                return  # short work: nothing was shown, nothing to close
        elif self.printed_at is None:
            if now - self.started < self.every:
                return
        elif now - self.printed_at < self.every:
            return
        self.printed_at = now
        sys.stderr.write(plain_line(self.last, now - self.started) + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        """The work ended: take the bar away, or write the last plain line."""
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = self.advance = None
        elif self.last and not self.terminal:
            self._line(final=True)
        self.last, self.printed_at = {}, None


def plain_line(event: dict[str, Any], elapsed: float) -> str:
    """``正在粉碎 1,500/3,000 (50%) 剩余 0:00:04`` — one progress line for a log."""
    from piplvault.i18n import _

    label, total, done = event["label"], event["total"], int(event["done"])
    if not total:
        return f"{label} {done:,}"
    share = min(done / total, 1.0)
    left = elapsed * (total - done) / done if done else None
    eta = "-:--:--" if left is None else _clock(left)
    return f"{label} {done:,}/{total:,} ({share:.0%}) {_('ETA')} {eta}"


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
