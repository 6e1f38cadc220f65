"""Last-transaction dates from an import column (issue 13 item 11).

Statutory retention (tax records 10 years, accounting archives 30 years) counts from the
fiscal year of a customer's last transaction. ``piplvault import FILE
--last-transaction-column 日期`` reads that column for every row and records the date on the
customer it was matched or added to — re-importing the same file is the bulk way to set the
dates for customers already in the vault. A later date never goes backwards.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from piplvault.errors import ValidationError
from piplvault.store.engine import Connection
from piplvault.store.retention import (
    insert_lifecycle,
    last_transaction_dates,
    update_lifecycle,
)

_DATE = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date(value: str) -> dt.date | None:
    """2026-05-01, 2026/5/1, 2026.5.1, 2026年5月1日, 20260501 (a time part is ignored)."""
    match = _DATE.match(value) or _COMPACT.match(value)
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


@dataclass(slots=True)
class TransactionDates:
    """What one import collected: customer → latest date; rows whose cell was unreadable."""

    column: str
    field_key: str
    dates: dict[int, dt.date] = field(default_factory=dict)
    unreadable_rows: list[int] = field(default_factory=list)
    empty_rows: int = 0

    def add(self, row_number: int, customer_id: int, cell: str | None) -> None:
        if not cell or not cell.strip():
            self.empty_rows += 1
            return
        day = parse_date(cell)
        if day is None:
            self.unreadable_rows.append(row_number)
            return
        if customer_id not in self.dates or self.dates[customer_id] < day:
            self.dates[customer_id] = day

    def to_dict(self) -> dict[str, object]:
        return {
            "column": self.column,
            "customers_dated": len(self.dates),
            "empty_cells": self.empty_rows,
            "unreadable_rows": self.unreadable_rows[:20],
            "unreadable": len(self.unreadable_rows),
        }


def field_for_column(columns: list[dict[str, object]], column: str) -> str:
    """The field key the import gave ``column`` (raises naming the headers if absent)."""
    for c in columns:
        if c["header"] == column:
            return str(c["field"])
    headers = ", ".join(str(c["header"]) for c in columns)
    raise ValidationError(
        f"--last-transaction-column '{column}' is not a column of the file "
        f"(columns: {headers})"
    )


def record(conn: Connection, dates: dict[int, dt.date]) -> int:
    """Store each customer's last-transaction date unless a later one is recorded."""
    known = last_transaction_dates(conn, dates)
    changed = 0
    for cid, day in sorted(dates.items()):
        iso = day.isoformat()
        if cid not in known:
            insert_lifecycle(conn, cid, last_transaction_on=iso)
        elif known[cid] is None or str(known[cid]) < iso:
            update_lifecycle(conn, cid, last_transaction_on=iso)
        else:
            continue
        changed += 1
    return changed
