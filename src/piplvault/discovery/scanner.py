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
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool

from piplvault.discovery.columns import (
    FAMILIES,
    ColumnDecision,
    classify_columns,
    label_cell,
)
from piplvault.discovery.registry import all_recognizers, get_recognizer
from piplvault.discovery.spans import find_spans

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
_ChunkResult = tuple[list[tuple[int, int, int, int, str]], list[list[str | None]]]


def scan_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    sample: int = 1000,
    cells: bool = False,
    workers: int | None = None,
) -> ScanResult:
    """Classify the columns of a table and scan its rows (see the module docstring)."""
    iterator = iter(rows)
    head = list(itertools.islice(iterator, sample))
    columns = classify_columns(headers, head)
    plan = _plan(columns, cells=cells)
    result = ScanResult(
        columns=columns, cells={h: [] for h in headers} if cells else None
    )
    # Peek far enough to know whether a worker pool pays for its start-up.
    peek = list(itertools.islice(iterator, max(0, PARALLEL_MIN_ROWS - len(head))))
    chunks = _chunks(itertools.chain(head, peek, iterator), CHUNK_ROWS)
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    large = len(head) + len(peek) >= PARALLEL_MIN_ROWS
    if count > 1 and (large or workers is not None):
        outputs = _run_parallel(chunks, plan, count)
    else:
        outputs = (_scan_chunk(plan, offset, chunk) for offset, chunk in chunks)
    for spans, labels in outputs:
        _collect(result, headers, spans, labels)
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


def _scan_chunk(
    plan: _Plan, offset: int, rows: Sequence[Sequence[str]]
) -> _ChunkResult:
    spans: list[tuple[int, int, int, int, str]] = []
    labels: list[list[str | None]] = []
    validators = {
        index: [get_recognizer(member).validate for member in _family(entity, mode)]
        for index, mode, entity in plan
        if mode != "text" and entity is not None
    }
    for number, row in enumerate(rows, start=offset):
        row_labels: list[str | None] = []
        for index, mode, entity in plan:
            cell = row[index] if index < len(row) else ""
            if mode == "text":
                for span in find_spans(cell):
                    spans.append((number, index, span.start, span.end, span.entity))
            elif not cell or cell.isspace():
                row_labels.append(None)
            elif mode == "cell" and entity is not None:
                row_labels.append(entity if validators[index][0](cell) else None)
            elif entity is None:
                row_labels.append(label_cell(None, cell))
            else:
                row_labels.append(_label_mixed(entity, cell, validators[index]))
        labels.append(row_labels)
    return spans, labels


def _family(entity: str, mode: str) -> tuple[str, ...]:
    if mode == "mixed":
        for family in FAMILIES:
            if entity in family:
                return family
    return (entity,)


def _label_mixed(
    entity: str, cell: str, validators: list[Callable[[str], bool]]
) -> str | None:
    family = _family(entity, "mixed")
    for member, validate in zip(family, validators, strict=True):
        if validate(cell):
            return member
    return None


def _run_parallel(
    chunks: Iterator[tuple[int, list[Sequence[str]]]], plan: _Plan, workers: int
) -> Iterator[_ChunkResult]:
    _warm_up()
    with Pool(workers) as pool:
        pending: deque[AsyncResult[_ChunkResult]] = deque()
        for offset, chunk in chunks:
            pending.append(pool.apply_async(_scan_chunk, (plan, offset, chunk)))
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


def _collect(
    result: ScanResult,
    headers: Sequence[str],
    spans: list[tuple[int, int, int, int, str]],
    labels: list[list[str | None]],
) -> None:
    result.rows += len(labels)
    for row, index, start, end, entity in spans:
        result.findings.append(
            Finding(row=row, column=headers[index], start=start, end=end, entity=entity)
        )
    if result.cells is None:
        return
    cell_columns = [
        i for i, mode, _ in _plan(result.columns, cells=True) if mode != "text"
    ]
    for index, header in enumerate(headers):
        if index not in cell_columns:
            result.cells[header].extend([None] * len(labels))
    for position, index in enumerate(cell_columns):
        result.cells[headers[index]].extend(row[position] for row in labels)
