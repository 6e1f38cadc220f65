"""Rendering helpers shared by commands: export files, tables that fold instead of cutting
at 80 columns, vertical field/value records, local times, progress bars with an ETA."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from piplvault.documents.labels import CATEGORY_ZH, VALUE_ZH, label
from piplvault.i18n import _, current, is_zh
from piplvault.timefmt import DEFAULT_TIMEZONE, local_time, zone_label

ExportOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Also write to a file: .json, .pdf, .xlsx or .html (the JSON original "
        "is written next to a .pdf/.xlsx/.html).",
        show_default=False,
    ),
]


def table(*headers: str, title: str | None = None) -> Table:
    """A table whose cells wrap (fold) instead of being cut with an ellipsis."""
    result = Table(title=title, expand=False)
    for header in headers:
        result.add_column(header, overflow="fold")
    return result


def record(title: str, pairs: Iterable[tuple[str, str]]) -> Group:
    """One object as a vertical field/value list: readable at any width."""
    grid = Table(show_header=False, box=None)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in pairs:
        grid.add_row(name, value)
    return Group(Text(title, style="bold"), grid)


def when(at: str, tz: str = DEFAULT_TIMEZONE) -> str:
    """A stored UTC time as the operator reads it (Asia/Shanghai by default)."""
    return local_time(at, tz)


def time_header(tz: str = DEFAULT_TIMEZONE) -> str:
    return _("Time ({zone})").format(zone=zone_label(tz) if is_zh() else tz)


def value_name(value: str) -> str:
    """A code (``enterprise``, ``identity``…) as a reader names it in the language."""
    if not is_zh():
        return value
    return VALUE_ZH.get(
        value, CATEGORY_ZH.get(value, _SENSITIVITY_ZH.get(value, value))
    )


_SENSITIVITY_ZH = {"sensitive": "敏感", "general": "一般", "none": "无"}


def plain(value: Any) -> str:
    """Any JSON value as a person reads it: no brackets, quotes or Python dicts."""
    zh = is_zh()
    if isinstance(value, dict):
        if not value:
            return "-"
        parts = [f"{label(str(k), current())} {plain(v)}" for k, v in value.items()]
        return ("；" if zh else "; ").join(parts)
    if isinstance(value, list):
        return ("、" if zh else ", ").join(plain(v) for v in value) or "-"
    if value is None:
        return "-"
    return value_name(str(value))


def counts(mapping: dict[str, int]) -> str:
    """``企业 2,602、个人 1,398`` — a human summary of a count mapping, largest first."""
    sep = "、" if is_zh() else ", "
    items = sorted(mapping.items(), key=lambda kv: (-kv[1], kv[0]))
    return sep.join(f"{value_name(k)} {v:,}" for k, v in items) or "-"


def status_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``status`` as field/value pairs: no Python dicts on the screen."""
    head = data["audit_head"]
    keys = ", ".join(f"{k} v{v}" for k, v in sorted(data["key_versions"].items()))
    return [
        (_("Customers"), f"{data['customers']:,}（{counts(data['by_kind'])}）"
         if is_zh() else f"{data['customers']:,} ({counts(data['by_kind'])})"),
        (_("Values by sensitivity"), counts(data["field_values_by_sensitivity"])),
        (_("Values by category"), counts(data["field_values_by_category"])),
        (_("Data keys"), f"{data['data_keys']:,}"),
        (_("Key versions"), keys),
        (_("Audit head"), f"#{head['seq']} {head['hash'][:16]}…"),
        (_("State"), value_name(str(data.get("state") or "open"))),
    ]  # fmt: skip


class ProgressBar:
    """Progress with done/total, percentage, elapsed and ETA on a terminal; silent else.

    Use as ``with ProgressBar(label, total, console, enabled) as advance: advance(n)``;
    when the total is only known once the work has started, pass ``bar.expect`` to the
    vault function as its ``on_total`` callback.
    """

    def __init__(
        self, label: str, total: int | None, console: Console, *, enabled: bool
    ) -> None:
        self.total = total
        self.task: TaskID | None = None
        self.bar: Progress | None = None
        if enabled:
            self.bar = Progress(
                TextColumn(label),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                TextColumn(_("ETA")),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )

    def __enter__(self) -> Callable[[int], None] | None:
        if self.bar is None:
            return None
        self.bar.start()
        task = self.bar.add_task("work", total=self.total)
        self.task = task
        bar = self.bar
        return lambda n: bar.advance(task, n)

    @property
    def enabled(self) -> bool:
        """Whether a bar is drawn (compute an expensive total only then)."""
        return self.bar is not None

    def expect(self, total: int | None) -> None:
        """Set the total once the work knows it (no-op when the bar is off)."""
        self.total = total
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, total=total)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.stop()


class EventBar(ProgressBar):
    """The bar of a command run by the server for a streaming client: each step becomes a
    progress event (label, total, done) that the client draws as its own bar (issue 14).
    Events are at most every ``EVENT_INTERVAL`` seconds, plus the first and the last."""

    EVENT_INTERVAL = 0.2

    def __init__(
        self, label: str, total: int | None, sink: Callable[[dict[str, Any]], None]
    ) -> None:
        super().__init__(label, total, Console(), enabled=False)
        self.label = label
        self.sink = sink
        self.done = 0
        self.sent_at = 0.0
        self.sent: dict[str, Any] = {}

    @property
    def enabled(self) -> bool:
        return True

    def _send(self, *, force: bool = False) -> None:
        import time

        now = time.monotonic()
        event = {"label": self.label, "total": self.total, "done": self.done}
        if event != self.sent and (force or now - self.sent_at >= self.EVENT_INTERVAL):
            self.sent_at, self.sent = now, event
            self.sink({"progress": event})

    def __enter__(self) -> Callable[[int], None]:
        self._send(force=True)

        def advance(n: int) -> None:
            self.done += n
            self._send(force=self.total is not None and self.done >= self.total)

        return advance

    def expect(self, total: int | None) -> None:
        self.total = total
        self._send(force=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._send(force=True)


def terminal_bar(
    label: str, total: int | None = None, *, json_out: bool = False
) -> ProgressBar:
    """The bar long commands show on stderr — only on a terminal and never with --json.
    Through the server, the steps go to the client as progress events when it streams."""
    from piplvault.cli.app import err_console
    from piplvault.cli.options import is_terminal
    from piplvault.cli.streams import progress_sink

    sink = progress_sink()
    if sink is not None and not json_out:
        return EventBar(label, total, sink)
    return ProgressBar(
        label, total, err_console, enabled=not json_out and is_terminal()
    )


def count_rows(path: Path, *, sheet: str | None = None) -> int | None:
    """About how many data rows ``path`` holds (for the bar's total); None if unknown.

    CSV: lines minus the header (a quoted cell with a line break counts twice, which
    only makes the ETA a little pessimistic). Spreadsheets: rows read once.
    """
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
            if magic == b"PK\x03\x04":
                from piplvault.io.tables import open_table

                return sum(1 for _row in open_table(path, sheet=sheet).rows())
            fh.seek(0)
            lines = sum(
                chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")
            )
        return max(lines - 1, 0)
    except (OSError, ValueError):
        return None
    except Exception:  # noqa: BLE001  a bad file is reported by the import itself
        return None
