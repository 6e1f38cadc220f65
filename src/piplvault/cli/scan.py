"""``piplvault scan`` — find and classify personal information in a table file."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table as RichTable

from piplvault.cli.app import app, err_console, out_console, print_json
from piplvault.cli.lazy import lazy_module
from piplvault.cli.render import count_rows, terminal_bar
from piplvault.core.masking import mask
from piplvault.errors import VaultError
from piplvault.i18n import _

if TYPE_CHECKING:
    from piplvault import discovery
    from piplvault.discovery import ScanResult
    from piplvault.io import tables
else:
    discovery = lazy_module("piplvault.discovery")
    tables = lazy_module("piplvault.io.tables")


@app.command("scan")
def scan(
    file: Annotated[Path, typer.Argument(help="CSV or spreadsheet file to scan.")],
    sheet: Annotated[
        str | None, typer.Option(help="Sheet name (spreadsheets).")
    ] = None,
    sample: Annotated[
        int, typer.Option(min=1, help="Rows sampled to decide each column.")
    ] = 1000,
    cells: Annotated[bool, typer.Option("--cells", help="Label every cell.")] = False,
    header_row: Annotated[
        int | None,
        typer.Option(min=1, max=20, help="Row number of the header (default: found)."),
    ] = None,
    no_header: Annotated[
        bool, typer.Option("--no-header", help="No header row: columns 列1, 列2…")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object.")
    ] = False,
) -> None:
    """Find personal information in FILE and classify each column.

    Example: piplvault scan 客户信息.csv --json
    """
    from piplvault.cli.options import require_served_role

    require_served_role("import", "read-masked")  # through the server: not for everyone
    examples: list[list[str]] = []
    try:
        table = tables.open_table(
            file, sheet=sheet, header_row=header_row, no_header=no_header
        )
        rows = table.rows() if as_json else _keeping_head(table.rows(), examples)
        bar = terminal_bar(_("Scanning"), json_out=as_json)
        if bar.enabled:
            bar.expect(count_rows(file, sheet=sheet))
        with bar as advance:
            result = discovery.scan_table(
                table.headers, rows, sample=sample, cells=cells, progress=advance
            )
    except VaultError as error:
        err_console.print(f"Error: {error.message}", highlight=False, markup=False)
        raise typer.Exit(1) from error
    if as_json and cells:
        # Cell labels make the document large: write it compact, in one piece.
        sys.stdout.write(
            json.dumps(
                to_json(str(file), table.encoding, result),
                ensure_ascii=False,
                separators=(",", ":"),
            )
            + "\n"
        )
    elif as_json:
        print_json(to_json(str(file), table.encoding, result))
    else:
        _print_report(str(file), table.encoding, result, examples)


def to_json(file: str, encoding: str, result: ScanResult) -> dict[str, Any]:
    """The ``scan --json`` document (entity names and offsets only, no values)."""
    document: dict[str, Any] = {
        "file": file,
        "encoding": encoding,
        "rows": result.rows,
        "columns": [
            {
                "name": c.name,
                "kind": c.kind,
                "entity": c.entity,
                "sensitivity": c.sensitivity,
                "grade": c.grade,
                "category": c.category,
                "confidence": c.confidence,
                "valid_ratio": c.valid_ratio,
                "hint": c.hint,
            }
            for c in result.columns
        ],
        "findings": [
            {
                "row": f.row,
                "column": f.column,
                "start": f.start,
                "end": f.end,
                "entity": f.entity,
            }
            for f in result.findings
        ],
    }
    if result.cells is not None:
        document["cells"] = result.cells
    return document


def _keeping_head(
    rows: Iterator[list[str]], head: list[list[str]], size: int = 50
) -> Iterator[list[str]]:
    """Pass rows through, keeping the first ``size`` for masked examples."""
    for row in rows:
        if len(head) < size:
            head.append(row)
        yield row


def _example(column: int, entity: str | None, head: list[list[str]]) -> str:
    """A masked example of the column's entity (脱敏), or '-'."""
    if entity is None or entity in ("ORG_NAME", "CN_USCC", "BANK_BRANCH"):
        return "-"
    for row in head:
        value = row[column] if column < len(row) else ""
        if value.strip() and discovery.label_cell(entity, value) == entity:
            return mask(entity, tables.normalise_cell(value))
    return "-"


def _print_report(
    file: str, encoding: str, result: ScanResult, head: list[list[str]]
) -> None:
    table = RichTable(
        title=f"{Path(file).name}: {result.rows:,} rows, {encoding}", box=box.SIMPLE
    )
    table.add_column("column")
    table.add_column("kind")
    table.add_column("entity", no_wrap=True)
    table.add_column("sensitivity")
    table.add_column("grade", justify="right")
    table.add_column("conf.", justify="right")
    table.add_column("valid", justify="right")
    table.add_column("example (masked)", overflow="fold")
    for index, c in enumerate(result.columns):
        entity = (c.entity or "-") + ("*" if c.mixed else "")
        table.add_row(
            c.name,
            c.kind,
            entity,
            c.sensitivity or "-",
            str(c.grade or "-"),
            f"{c.confidence:.2f}",
            f"{c.valid_ratio:.0%}",
            _example(index, c.entity, head),
        )
    out_console.print(table)
    for c in result.columns:
        if c.hint:
            out_console.print(f"! {c.name}: {c.hint}", markup=False, highlight=False)
    if any(c.mixed for c in result.columns):
        out_console.print("* mixed column: entity of the majority, labelled per cell")
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.entity] = counts.get(finding.entity, 0) + 1
    if counts:
        summary = ", ".join(f"{entity} {n:,}" for entity, n in sorted(counts.items()))
        out_console.print(f"Free-text findings: {summary}")
    else:
        out_console.print("Free-text findings: none")
