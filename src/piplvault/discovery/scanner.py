"""Scan a whole table: column decisions from a sample, then one streaming pass.

The first ``sample`` rows decide the columns; the pass then finds entity spans in
free-text columns and, with ``cells=True``, labels every cell. Rows are processed in
chunks, on a pool of worker processes when the table is large enough, with at most a
few chunks in flight so memory stays bounded by the chunk size (plus the findings and
cell labels returned, which hold entity names and offsets, never values).
"""

from __future__ import annotations

import itertools
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from multiprocessing.pool import AsyncResult, Pool

from piplvault.core.doctypes import DOCUMENT_FAMILY, pair_type_columns
from piplvault.discovery.cells import PLACEHOLDERS, cell_values, plausible
from piplvault.discovery.columns import (
    FAMILIES,
    ColumnDecision,
    classify_columns,
    label_cell,
)
from piplvault.discovery.doctype import label_document
from piplvault.discovery.person import column_name
from piplvault.discovery.registry import all_recognizers, get_recognizer
from piplvault.discovery.spans import find_span_tuples, find_spans

_SPLITS = re.compile(r"[;；、/,，|\n]")
#: Rows per unit of work sent to a worker.
CHUNK_ROWS = 4000
#: Below this many rows the pass runs in this process (pool start-up costs more),
#: unless ``workers`` is given explicitly.
PARALLEL_MIN_ROWS = 10000


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """An entity span inside a free-text cell (row 0 = first data row)."""

    row: int
    column: str
    start: int
    end: int
    entity: str


@dataclass(slots=True, kw_only=True)
class ScanResult:
    """Everything a scan learned about a table; holds no cell values."""

    rows: int = 0
    columns: list[ColumnDecision] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cells: dict[str, list[str | None]] | None = None


# (column index, mode, entity); mode is "text", "cell" or "mixed".
_Plan = tuple[tuple[int, str, str | None], ...]
#: (row count, spans as (row, column index, start, end, entity), labels by column index)
_ChunkResult = tuple[
    int, list[tuple[int, int, int, int, str]], dict[int, list[str | None]]
]


def scan_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    sample: int = 1000,
    cells: bool = False,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ScanResult:
    """Classify the columns of a table and scan its rows (see the module docstring).

    ``progress(n)`` is called after each chunk with the rows it held."""
    iterator = iter(rows)
    head = list(itertools.islice(iterator, sample))
    columns = classify_columns(headers, head)
    plan = _plan(columns, cells=cells)
    hints = _type_hints(columns) if cells else {}
    result = ScanResult(
        columns=columns, cells={h: [] for h in headers} if cells else None
    )
    # Peek far enough to know whether a worker pool pays for its start-up.
    peek = list(itertools.islice(iterator, max(0, PARALLEL_MIN_ROWS - len(head))))
    chunks = _chunks(itertools.chain(head, peek, iterator), CHUNK_ROWS)
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    large = len(head) + len(peek) >= PARALLEL_MIN_ROWS
    if count > 1 and (large or workers is not None):
        outputs = _run_parallel(chunks, plan, count, hints)
    else:
        outputs = (_scan_chunk(plan, offset, chunk, hints) for offset, chunk in chunks)
    for chunk in outputs:
        _collect(result, headers, chunk)
        if progress is not None:
            progress(chunk[0])
    return result


def _plan(columns: Sequence[ColumnDecision], *, cells: bool) -> _Plan:
    plan: list[tuple[int, str, str | None]] = []
    for index, column in enumerate(columns):
        if column.kind == "free_text":
            plan.append((index, "text", None))
        elif cells and column.kind == "pii":
            plan.append((index, "mixed" if column.mixed else "cell", column.entity))
    return tuple(plan)


def _chunks(
    rows: Iterator[Sequence[str]], size: int
) -> Iterator[tuple[int, list[Sequence[str]]]]:
    offset = 0
    while chunk := list(itertools.islice(rows, size)):
        yield offset, chunk
        offset += len(chunk)


def _type_hints(columns: Sequence[ColumnDecision]) -> dict[int, int]:
    """Identity-document columns and the 证件类型 column that describes each."""
    return pair_type_columns(
        [c.name for c in columns],
        (
            i
            for i, c in enumerate(columns)
            if c.kind == "pii" and c.entity in DOCUMENT_FAMILY
        ),
    )


def _scan_chunk(
    plan: _Plan,
    offset: int,
    rows: Sequence[Sequence[str]],
    hints: dict[int, int] | None = None,
) -> _ChunkResult:
    """Scan one chunk column by column: spans of text columns, labels of the rest."""
    spans: list[tuple[int, int, int, int, str]] = []
    labels: dict[int, list[str | None]] = {}
    for index, mode, entity in plan:
        cells = _column(rows, index)
        if mode == "text":
            for number, cell in enumerate(cells, start=offset):
                for start, end, found in find_span_tuples(cell):
                    spans.append((number, index, start, end, found))
        elif hints and index in hints:
            types = _column(rows, hints[index])
            labels[index] = [
                label_document(t, c)[0] for t, c in zip(types, cells, strict=True)
            ]
        elif entity is None:
            labels[index] = [label_cell(None, c) for c in cells]
        elif mode == "cell":
            validate = _cached_validator(entity, whole_column=True)
            labels[index] = [
                entity if c and not c.isspace() and validate(c) else None for c in cells
            ]
        else:
            members = _family(entity, mode)
            checks = [(m, _cached_validator(m)) for m in members]
            labels[index] = [_label_mixed(c, checks) for c in cells]
    return len(rows), spans, labels


def _column(rows: Sequence[Sequence[str]], index: int) -> list[str]:
    if all(len(row) > index for row in rows):
        return [row[index] for row in rows]
    return [row[index] if len(row) > index else "" for row in rows]


@cache
def _cached_validator(
    entity: str, *, whole_column: bool = False
) -> Callable[[str], bool]:
    """The entity's cell check in a column decided to hold it: every value of the
    (cleaned) cell valid, or shaped like it where only a lagging numbering plan says no
    (a data-only 149 mobile is personal data all the same). Remembers recent values
    (names and banks repeat)."""
    validate = get_recognizer(entity).validate  # unknown entities fail here

    def check(cell: str) -> bool:
        if cell.strip().lower() in PLACEHOLDERS:
            return False
        if validate(cell):  # the common case: a clean, valid value
            return True
        parts = cell_values(entity, cell)
        if whole_column and entity == "PERSON":
            # a name column: 伊力哈木, 扎西 need no Han surname (issue 12.5b)
            return bool(parts) and all(column_name(p) for p in parts)
        if whole_column and entity == "ORG_NAME":
            # an organisation column: 腾讯, 阿里巴巴 need no legal form (issue 12.6)
            return bool(parts) and all(_org_like(p) for p in parts)
        return bool(parts) and all(validate(p) or plausible(entity, p) for p in parts)

    return lru_cache(maxsize=16384)(check)


_ORG_LIKE = re.compile(
    r"[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9()（）·&. -]{1,59}"
)


def _org_like(text: str) -> bool:
    """A name in an organisation column: letters or ideographs, not a person."""
    return bool(_ORG_LIKE.fullmatch(text)) and label_cell(None, text) in (
        None,
        "ORG_NAME",
        "BANK_BRANCH",
    )


def _family(entity: str, mode: str) -> tuple[str, ...]:
    if mode == "mixed":
        for family in FAMILIES:
            if entity in family:
                return family
    return (entity,)


def _label_mixed(
    cell: str, checks: list[tuple[str, Callable[[str], bool]]]
) -> str | None:
    if not cell or cell.isspace():
        return None
    for member, validate in checks:
        if validate(cell):
            return member
    if any(member == "PERSON" for member, _ in checks) and column_name(cell):
        return "PERSON"  # a 客户名称 cell holding 扎西 is a person (issue 12.5b)
    return label_cell(checks[0][0], cell) if _SPLITS.search(cell) else None


def _run_parallel(
    chunks: Iterator[tuple[int, list[Sequence[str]]]],
    plan: _Plan,
    workers: int,
    hints: dict[int, int],
) -> Iterator[_ChunkResult]:
    _warm_up()
    with Pool(workers) as pool:
        pending: deque[AsyncResult[_ChunkResult]] = deque()
        for offset, chunk in chunks:
            pending.append(pool.apply_async(_scan_chunk, (plan, offset, chunk, hints)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _warm_up() -> None:
    """Load lazy tables before forking so workers inherit them."""
    find_spans(
        "客户张伟，手机13812345678，电话010-62345678，住址北京市朝阳区建国路88号。"
    )
    for recognizer in all_recognizers():
        recognizer.validate("0")


def _collect(result: ScanResult, headers: Sequence[str], chunk: _ChunkResult) -> None:
    count, spans, labels = chunk
    result.rows += count
    for row, index, start, end, entity in spans:
        result.findings.append(
            Finding(row=row, column=headers[index], start=start, end=end, entity=entity)
        )
    if result.cells is None:
        return
    for index, header in enumerate(headers):
        column = labels.get(index)
        result.cells[header].extend(column if column is not None else [None] * count)
