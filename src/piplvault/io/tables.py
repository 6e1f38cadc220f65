"""Read customer tables (CSV in UTF-8/UTF-8-BOM/UTF-16/GBK/GB18030, XLSX/XLS) as text rows.

Encoding is decided exactly, not guessed, for Chinese business files: a BOM wins; otherwise
the whole file is decoded strictly as UTF-8, then as GB18030 (a superset of GBK); only when
both fail is charset-normalizer asked, on a newline-aligned sample. Rows stream, so memory
stays bounded whatever the file size.

Every problem is an :class:`~piplvault.errors.InputFileError` naming the file, and the row
(as a spreadsheet shows it: header = row 1) and column where known.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from piplvault.errors import (
    CellTooLargeError,
    DuplicateHeaderError,
    EmptyFileError,
    EncodingError,
    FileUnreadableError,
    RaggedRowError,
    SpreadsheetError,
)

#: Largest accepted cell, in characters (64 KiB).
MAX_CELL_CHARS = 64 * 1024
_CHUNK = 1 << 20
_XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(slots=True)
class Table:
    """A table read from one file: its headers and a fresh row iterator per call."""

    path: Path
    encoding: str
    headers: list[str]
    sheet: str | None = None
    _rows: Iterator[list[str]] | None = field(default=None, repr=False)

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
    path: str | Path, *, sheet: str | None = None, encoding: str | None = None
) -> Table:
    """Open a CSV or spreadsheet file and read its header row."""
    path = Path(path)
    if not path.is_file():
        raise FileUnreadableError(
            "file not found or not a regular file", file=str(path)
        )
    if path.suffix.lower() in _XLSX_SUFFIXES or _is_zip(path):
        return _open_workbook(path, sheet)
    return _open_csv(path, encoding)


def normalise_cell(value: str) -> str:
    """NFKC (full-width digits and letters to half-width) and trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


# --- CSV -------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The exact encoding of a text file: BOM, else strict UTF-8, else strict GB18030."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise FileUnreadableError(
            f"cannot read: {exc.strerror}", file=str(path)
        ) from exc
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for candidate in ("utf-8", "gb18030"):
        if _decodes_strictly(path, candidate):
            return candidate
    return _guess_encoding(path)


def _decodes_strictly(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _guess_encoding(path: Path) -> str:  # always raises; the guess is advice
    from charset_normalizer import from_bytes

    with path.open("rb") as fh:
        sample = fh.read(_CHUNK)
    cut = sample.rfind(b"\n")
    best = from_bytes(sample[: cut + 1] if cut > 0 else sample).best()
    guess = f" (it may be {best.encoding})" if best is not None else ""
    raise EncodingError(
        f"the file is neither UTF-8 nor GBK/GB18030 text{guess}; save it as UTF-8 CSV, "
        "or name its encoding with --encoding (e.g. --encoding big5)",
        file=str(path),
    )


def _open_csv(path: Path, encoding: str | None) -> Table:
    enc = encoding or detect_encoding(path)
    try:
        text = path.open("r", encoding=enc, errors="strict", newline="")
    except (OSError, LookupError) as exc:
        raise FileUnreadableError(f"cannot open: {exc}", file=str(path)) from exc
    sample = text.read(8192)
    text.seek(0)
    if not sample.strip():
        text.close()
        raise EmptyFileError("the file is empty (no header row)", file=str(path))
    delimiter = _sniff_delimiter(sample)
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    reader = csv.reader(text, delimiter=delimiter)
    header_cells = _next_record(reader, path, enc, 1)
    if header_cells is None:
        text.close()
        raise EmptyFileError("the file is empty (no header row)", file=str(path))
    headers = _check_headers(header_cells, path)
    return Table(path, enc, headers, None, _csv_rows(reader, text, headers, path, enc))


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
        raise EncodingError(
            f"bytes that are not valid {enc} near byte {exc.start}",
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
    reader: Iterator[list[str]], text: IO[str], headers: list[str], path: Path, enc: str
) -> Iterator[list[str]]:
    width = len(headers)
    row = 1
    try:
        while True:
            row += 1
            record = _next_record(reader, path, enc, row)
            if record is None:
                return
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
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


def _check_headers(cells: list[str], path: Path) -> list[str]:
    headers = [normalise_cell(c).lstrip("\ufeff") for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise EmptyFileError("the header row is empty", file=str(path), row=1)
    seen: set[str] = set()
    for index, name in enumerate(headers, start=1):
        if not name:
            raise DuplicateHeaderError(
                f"column {index} has no header", file=str(path), row=1
            )
        if name in seen:
            raise DuplicateHeaderError(
                "the header appears twice; rename one of the columns",
                file=str(path),
                row=1,
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


def _open_workbook(path: Path, sheet: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise SpreadsheetError(
            f"not a readable workbook ({type(exc).__name__}); is it really an Excel file?",
            file=str(path),
        ) from exc
    names = list(workbook.sheet_names)
    if sheet is None:
        if not names:
            raise EmptyFileError("the workbook has no sheets", file=str(path))
        sheet = names[0]
    elif sheet not in names:
        raise SpreadsheetError(
            f"no sheet named '{sheet}'; sheets: {', '.join(names)}", file=str(path)
        )
    rows = iter(workbook.get_sheet_by_name(sheet).iter_rows())
    first = next(rows, None)
    if first is None:
        raise EmptyFileError(f"sheet '{sheet}' is empty", file=str(path))
    headers = _check_headers([_cell_text(v) for v in first], path)
    return Table(path, "xlsx", headers, sheet, _sheet_rows(rows, headers, path))


def _sheet_rows(
    rows: Iterator[list[Any]], headers: list[str], path: Path
) -> Iterator[list[str]]:
    width = len(headers)
    for row, raw in enumerate(rows, start=2):
        cells = [_cell_text(v) for v in raw]
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            raise RaggedRowError(
                f"has values beyond the {width} header columns", file=str(path), row=row
            )
        cells = (cells + [""] * width)[:width]
        if not any(c.strip() for c in cells):
            continue
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
