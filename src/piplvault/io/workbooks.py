"""Spreadsheets: refuse zip bombs and uncalculated formulas, choose the sheet to read.

Checked before any parsing: the sum of the workbook's declared uncompressed sizes and the
compression ratio of each large part (an XLSX whose shared strings expand to 1 GiB would
otherwise take gigabytes of memory before any cell limit applies). Formula cells whose
value was never saved (files written by scripts and never opened in Excel) would read as
empty: they are refused, naming the first cell, never dropped silently.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from piplvault.errors import (
    FormulaWithoutValueError,
    SheetChoiceError,
    SpreadsheetError,
    WorkbookTooLargeError,
)

#: Largest total uncompressed size of a workbook's parts.
MAX_UNCOMPRESSED = 512 * 1024 * 1024
#: Largest compression ratio of a part bigger than :data:`RATIO_FLOOR`.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
#: Sheet names of instructions and notes, never imported unless named with --sheet.
INSTRUCTION_SHEETS = re.compile(
    r"说明|须知|填写|填表|指引|帮助|示例|模板说明|readme|instruction|help|notes?$|guide|about",
    re.IGNORECASE,
)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_SAVED_VALUE = re.compile(rb"<v>[^<]+</v>")
_CELL_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def check_zip(path: Path) -> None:
    """Refuse a workbook whose parts decompress beyond the caps (before parsing)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip (XLS/XLSB): the reader reports it
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise WorkbookTooLargeError(
            f"the workbook expands to {total // (1 << 20):,} MiB (limit "
            f"{MAX_UNCOMPRESSED >> 20} MiB); split it or export CSV",
            file=str(path),
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise WorkbookTooLargeError(
                f"part '{info.filename}' expands {ratio:,.0f}:1 (limit {MAX_RATIO}:1), "
                "which real workbooks do not; refused as a possible zip bomb",
                file=str(path),
            )


def check_formulas(path: Path, sheet_index: int, sheet: str) -> None:
    """Refuse formula cells with no saved value in the sheet's XML, naming the first."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            member = _sheet_member(archive, sheet) or (
                f"xl/worksheets/sheet{sheet_index + 1}.xml"
            )
            if member not in names:
                return
            xml = archive.read(member)
    except (zipfile.BadZipFile, OSError, KeyError):
        return
    if b"<f" not in xml:
        return
    missing = []
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        if b"<f" not in inner or _SAVED_VALUE.search(inner):
            continue
        ref = _CELL_REF.search(match.group(1))
        missing.append(ref.group(1).decode() if ref else "?")
    if missing:
        raise FormulaWithoutValueError(
            f"sheet '{sheet}' has {len(missing)} formula cell(s) with no saved value "
            f"(first: {missing[0]}); open and save the file in Excel or WPS so the "
            "values are calculated, or export it as CSV",
            file=str(path),
        )


_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(Id|Target)="([^"]*)"')


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the sheet named ``sheet`` (workbook.xml → its relationships)."""
    import html

    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    rel_id = next(
        (
            rid
            for name, rid in _SHEET.findall(workbook)
            if html.unescape(name.decode("utf-8")) == sheet
        ),
        None,
    )
    if rel_id is None:
        return None
    for element in _RELATIONSHIP.findall(rels):
        attributes = dict(_ATTRIBUTE.findall(element))
        if attributes.get(b"Id") == rel_id and b"Target" in attributes:
            target = attributes[b"Target"].decode("utf-8")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def choose_sheet(
    path: Path,
    names: list[str],
    sample: Callable[[str], list[list[Any]]],
    holds_personal_data: Callable[[list[list[Any]]], bool],
) -> str:
    """The one sheet to read when none was named: instruction sheets and sheets that are
    not tables are skipped; of several tables, those with personal data; if still more
    than one, the user must choose (never an instruction sheet silently)."""
    tables = []
    for name in names:
        if INSTRUCTION_SHEETS.search(name):
            continue
        rows = sample(name)
        if _looks_like_table(rows):
            tables.append((name, rows))
    if len(tables) > 1:
        personal = [(n, r) for n, r in tables if holds_personal_data(r)]
        tables = personal or tables
    if len(tables) == 1:
        return tables[0][0]
    listed = ", ".join(f"'{n}'" for n in names)
    if not tables:
        raise SpreadsheetError(
            f"no sheet looks like a table of customers (sheets: {listed}); name one "
            "with --sheet",
            file=str(path),
        )
    raise SheetChoiceError(
        "several sheets hold tables ("
        + ", ".join(f"'{n}'" for n, _ in tables)
        + "); choose one with --sheet",
        file=str(path),
    )


def _looks_like_table(rows: list[list[Any]]) -> bool:
    """At least two rows with two or more filled cells (a header and some data)."""
    wide = [r for r in rows if sum(1 for c in r if _filled(c)) >= 2]
    return len(wide) >= 2


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def iter_sample(rows: Iterator[list[Any]], size: int) -> list[list[Any]]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= size:
            break
    return out
