"""Read customer tables (CSV in UTF-8/UTF-8-BOM/UTF-16/GBK/GB18030, XLSX/XLS) as text rows.

Encoding is decided exactly, not guessed, for Chinese business files: a BOM wins; otherwise
the whole file is decoded strictly as UTF-8, then as GB18030 (a superset of GBK); only when
both fail is charset-normalizer asked, on a newline-aligned sample. Rows stream, so memory
stays bounded whatever the file size.

The header row is found, not assumed: title rows above it (一行标题 "2024年客户名单") are
skipped, ``header_row`` names it, ``no_header`` numbers the columns 列1, 列2…; a header
cell that validates as personal data (a headerless export) is refused, so cell values
never become field labels. PDFs, images and documents are refused as not tables; NUL
bytes in cells are refused.

Every problem is an :class:`~piplvault.errors.InputFileError` naming the file, and the row
(as a spreadsheet shows it: the first line of the file is row 1) and column where known.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from piplvault.errors import (
    CellTooLargeError,
    ControlCharacterError,
    DuplicateHeaderError,
    EmptyFileError,
    EncodingError,
    FileUnreadableError,
    HeaderLooksLikeDataError,
    NotATableError,
    RaggedRowError,
    SpreadsheetError,
)
from piplvault.io import workbooks
from piplvault.io.encodings import detect_encoding

#: Largest accepted cell, in characters (64 KiB).
MAX_CELL_CHARS = 64 * 1024
_XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
#: Records read ahead to find the header row (title rows above it are skipped).
_PEEK = 20
#: Leading bytes of files that are not tables.
_NOT_TABLES = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"<html", "an HTML page"),
    (b"<!doctype", "an HTML page"),
    (b"<?xml", "an XML document"),
)
#: Entities whose validators are strict enough that a header cell they accept is data.
_DATA_ENTITIES = frozenset(
    {
        "CN_RESIDENT_ID",
        "CN_MOBILE",
        "CN_LANDLINE",
        "EMAIL",
        "BANK_CARD",
        "CN_USCC",
        "IP_ADDRESS",
        "LICENSE_PLATE",
    }
)


@dataclass(slots=True)
class Table:
    """A table read from one file: its headers and a fresh row iterator per call."""

    path: Path
    encoding: str
    headers: list[str]
    sheet: str | None = None
    #: Row number of the header (0: no header row, columns numbered 列1, 列2…).
    header_row: int = 1
    _rows: Iterator[list[str]] | None = field(default=None, repr=False)

    @property
    def first_data_row(self) -> int:
        """Row number (as a spreadsheet shows it) of the first data row."""
        return self.header_row + 1

    def rows(self) -> Iterator[list[str]]:
        """Data rows as lists of strings, one cell per header, in file order."""
        if self._rows is None:
            raise RuntimeError("rows() can be iterated only once per open_table()")
        rows, self._rows = self._rows, None
        return rows

    @property
    def name(self) -> str:
        return self.path.name


def open_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    header_row: int | None = None,
    no_header: bool = False,
) -> Table:
    """Open a CSV or spreadsheet file and find its header row."""
    path = Path(path)
    if not path.is_file():
        raise FileUnreadableError(
            "file not found or not a regular file", file=str(path)
        )
    if header_row is not None and header_row < 1:
        raise FileUnreadableError("--header-row counts from 1", file=str(path))
    _refuse_non_tables(path)
    layout = _Layout(header_row, no_header)
    if path.suffix.lower() in _XLSX_SUFFIXES or _is_zip(path):
        return _open_workbook(path, sheet, layout)
    return _open_csv(path, encoding, layout)


@dataclass(frozen=True, slots=True)
class _Layout:
    header_row: int | None
    no_header: bool


def _refuse_non_tables(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise FileUnreadableError(
            f"cannot read: {exc.strerror}", file=str(path)
        ) from exc
    lowered = head.lstrip().lower()
    for magic, what in _NOT_TABLES:
        if head.startswith(magic) or lowered.startswith(magic.lower()):
            raise NotATableError(
                f"this is {what}, not a table; export the data as CSV or XLSX",
                file=str(path),
            )


def _locate_header(
    records: list[tuple[int, list[str]]], layout: _Layout, path: Path
) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    """(headers, header row number, data records) from the first records of a file."""
    if layout.no_header:
        width = max((_width(r) for _, r in records), default=0)
        if not width:
            raise EmptyFileError("the file is empty", file=str(path))
        return [f"列{i}" for i in range(1, width + 1)], 0, records
    if layout.header_row is not None:
        for index, (row, record) in enumerate(records):
            if row == layout.header_row:
                return _checked(record, row, path), row, records[index + 1 :]
        raise EmptyFileError(
            f"there is no row {layout.header_row} (--header-row) among the first "
            f"{_PEEK} rows",
            file=str(path),
        )
    filled = [(row, record, _filled(record)) for row, record in records]
    most = max((n for _, _, n in filled), default=0)
    if not most:
        raise EmptyFileError("the file is empty (no header row)", file=str(path))
    for index, (row, record, n) in enumerate(filled):
        # Title rows (一行标题) have one filled cell; the header fills most columns.
        if n >= min(2, most) and n * 2 >= most:
            return _checked(record, row, path), row, records[index + 1 :]
    raise EmptyFileError("no header row found", file=str(path))  # pragma: no cover


def _filled(record: list[str]) -> int:
    return sum(1 for c in record if c.strip())


def _width(record: list[str]) -> int:
    width = len(record)
    while width and not record[width - 1].strip():
        width -= 1
    return width


def _checked(cells: list[str], row: int, path: Path) -> list[str]:
    headers = _check_headers(cells, path, row)
    _refuse_data_headers(headers, path, row)
    return headers


def _refuse_data_headers(headers: list[str], path: Path, row: int) -> None:
    """A header cell that validates as personal data means the file has no header row
    (its first customer would become field labels and audit entries: issue 10.6)."""
    from piplvault.discovery import label_cell

    for index, name in enumerate(headers, start=1):
        entity = label_cell(None, name)
        if entity in _DATA_ENTITIES:
            raise HeaderLooksLikeDataError(
                f"column {index} of the header row holds a {entity}: this looks like "
                "data, not a header; pass --no-header (columns become 列1, 列2…) or "
                "--header-row N",
                file=str(path),
                row=row,
            )


def normalise_cell(value: str) -> str:
    """NFKC (full-width digits and letters to half-width) and trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


# --- CSV -------------------------------------------------------------------------------


def _open_csv(path: Path, encoding: str | None, layout: _Layout) -> Table:
    enc = encoding or detect_encoding(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(8192)
        sample = raw.decode(enc, errors="replace")
        text: IO[Any] = (
            path.open("r", encoding=enc, errors="strict", newline="")
            if enc.startswith("utf-16")
            else path.open("rb")
        )
    except (OSError, LookupError) as exc:
        raise FileUnreadableError(f"cannot open: {exc}", file=str(path)) from exc
    if enc == "utf-8-sig":
        sample = sample.lstrip("\ufeff")
    if not sample.strip():
        text.close()
        raise EmptyFileError("the file is empty (no header row)", file=str(path))
    delimiter = _sniff_delimiter(sample)
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    lines = text if enc.startswith("utf-16") else _decoded_lines(text, enc, path)
    reader = csv.reader(lines, delimiter=delimiter)
    records = _numbered(reader, path, enc)
    try:
        peeked = list(itertools.islice(records, _PEEK))
        headers, header_row, data = _locate_header(peeked, layout, path)
    except BaseException:
        text.close()
        raise
    rows = _csv_rows(itertools.chain(data, records), text, headers, path)
    return Table(path, enc, headers, None, header_row, rows)


def _decoded_lines(fh: IO[bytes], enc: str, path: Path) -> Iterator[str]:
    """Lines decoded one by one, so a line in another encoding is named exactly."""
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    for number, raw in enumerate(fh, start=1):
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError as exc:
            named = "UTF-8" if enc.startswith("utf-8") else enc
            raise EncodingError(
                f"this row is not valid {named} (the rows before it are): one file, "
                "one encoding — save it again as UTF-8 CSV, or name the encoding with "
                "--encoding",
                file=str(path),
                row=number,
            ) from exc


def _numbered(
    reader: Iterator[list[str]], path: Path, enc: str
) -> Iterator[tuple[int, list[str]]]:
    row = 0
    while True:
        row += 1
        record = _next_record(reader, path, enc, row)
        if record is None:
            return
        if any("\x00" in cell for cell in record):
            raise ControlCharacterError(
                "a cell holds a NUL byte (a binary file, or a damaged export); remove "
                "it and import again",
                file=str(path),
                row=row,
            )
        yield row, record


def _sniff_delimiter(sample: str) -> str:
    first_line = sample.splitlines()[0] if sample.splitlines() else sample
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _next_record(
    reader: Iterator[list[str]], path: Path, enc: str, row: int
) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except UnicodeDecodeError as exc:
        named = "UTF-8" if enc.startswith("utf-8") else enc
        raise EncodingError(
            f"this row is not valid {named} (the rest of the file is): one file, one "
            "encoding — save it again as UTF-8 CSV, or name the encoding with --encoding",
            file=str(path),
            row=row,
        ) from exc
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise CellTooLargeError(
                f"a cell is larger than {MAX_CELL_CHARS // 1024} KiB",
                file=str(path),
                row=row,
            ) from exc
        raise RaggedRowError(f"malformed CSV: {exc}", file=str(path), row=row) from exc


def _csv_rows(
    records: Iterator[tuple[int, list[str]]],
    text: IO[Any],
    headers: list[str],
    path: Path,
) -> Iterator[list[str]]:
    width = len(headers)
    try:
        for row, record in records:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
                if len(record) > width and not any(c.strip() for c in record[width:]):
                    record = record[:width]
                else:
                    raise RaggedRowError(
                        f"has {len(record)} cells but the header has {width}",
                        file=str(path),
                        row=row,
                    )
            if max(map(len, record)) > MAX_CELL_CHARS:  # one C-level pass per row
                _check_cells(record, headers, path, row)
            yield record
    finally:
        text.close()


def _check_headers(cells: list[str], path: Path, row: int = 1) -> list[str]:
    headers = [normalise_cell(c).lstrip("\ufeff") for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise EmptyFileError("the header row is empty", file=str(path), row=row)
    seen: set[str] = set()
    for index, name in enumerate(headers, start=1):
        if not name:
            raise DuplicateHeaderError(
                f"column {index} has no header", file=str(path), row=row
            )
        if name in seen:
            raise DuplicateHeaderError(
                "the header appears twice; rename one of the columns",
                file=str(path),
                row=row,
                column=name,
            )
        seen.add(name)
    return headers


def _check_cells(record: list[str], headers: list[str], path: Path, row: int) -> None:
    for cell, name in zip(record, headers, strict=False):
        if len(cell) > MAX_CELL_CHARS:
            raise CellTooLargeError(
                f"the cell is larger than {MAX_CELL_CHARS // 1024} KiB",
                file=str(path),
                row=row,
                column=name,
            )


# --- spreadsheets ------------------------------------------------------------------------


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _open_workbook(path: Path, sheet: str | None, layout: _Layout) -> Table:
    from python_calamine import CalamineWorkbook

    workbooks.check_zip(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SpreadsheetError(
            f"not a readable workbook ({type(exc).__name__}); is it really an Excel file?",
            file=str(path),
        ) from exc
    names = list(workbook.sheet_names)
    if not names:
        raise EmptyFileError("the workbook has no sheets", file=str(path))
    if sheet is None:
        sheet = (
            names[0]
            if len(names) == 1
            else workbooks.choose_sheet(
                path,
                names,
                lambda n: workbooks.iter_sample(
                    iter(workbook.get_sheet_by_name(n).iter_rows()), 50
                ),
                _holds_personal_data,
            )
        )
    elif sheet not in names:
        raise SpreadsheetError(
            f"no sheet named '{sheet}'; sheets: {', '.join(names)}", file=str(path)
        )
    workbooks.check_formulas(path, names.index(sheet), sheet)
    raw_rows = (
        (n, [_cell_text(v) for v in raw])
        for n, raw in enumerate(workbook.get_sheet_by_name(sheet).iter_rows(), start=1)
    )
    peeked = list(itertools.islice(raw_rows, _PEEK))
    if not any(_filled(r) for _, r in peeked):
        raise EmptyFileError(f"sheet '{sheet}' is empty", file=str(path))
    headers, header_row, data = _locate_header(peeked, layout, path)
    rows = _sheet_rows(itertools.chain(data, raw_rows), headers, path)
    return Table(path, "xlsx", headers, sheet, header_row, rows)


def _holds_personal_data(sample: list[list[Any]]) -> bool:
    from piplvault.discovery import classify_columns

    rows = [[_cell_text(v) for v in r] for r in sample]
    rows = [r for r in rows if _filled(r) >= 2]
    if len(rows) < 2:
        return False
    width = len(rows[0])
    decisions = classify_columns(
        rows[0], [(r + [""] * width)[:width] for r in rows[1:]]
    )
    return any(d.kind == "pii" and d.entity != "UNREVIEWED" for d in decisions)


def _sheet_rows(
    rows: Iterator[tuple[int, list[str]]], headers: list[str], path: Path
) -> Iterator[list[str]]:
    width = len(headers)
    for row, cells in rows:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            raise RaggedRowError(
                f"has values beyond the {width} header columns", file=str(path), row=row
            )
        cells = (cells + [""] * width)[:width]
        if not any(c.strip() for c in cells):
            continue
        if any("\x00" in c for c in cells):
            raise ControlCharacterError(
                "a cell holds a NUL byte; remove it and import again",
                file=str(path),
                row=row,
            )
        _check_cells(cells, headers, path, row)
        yield cells


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time()
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


__all__ = ["MAX_CELL_CHARS", "Table", "detect_encoding", "normalise_cell", "open_table"]
