"""What an import did: the report returned to the caller and recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piplvault import discovery
from piplvault.core.importplan import ColumnPlan


@dataclass(slots=True)
class ImportReport:
    file: str
    encoding: str
    sheet: str | None
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    columns: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    last_transactions: dict[str, Any] | None = None
    #: A person's decisions over the classifier's: [{"column", "from", "to"}]
    overrides: list[dict[str, Any]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "columns": self.columns,
            "overrides": self.overrides,
            "rejections": self.rejections,
            "new_id_range": [self.new_ids[0], self.new_ids[-1]]
            if self.new_ids
            else None,
            **(
                {"last_transactions": self.last_transactions}
                if self.last_transactions is not None
                else {}
            ),
        }


def column_summary(
    p: ColumnPlan, decision: discovery.ColumnDecision, by_person: bool
) -> dict[str, Any]:
    d = p.field
    return {
        "header": p.header,
        "field": d.key,
        "kind": d.kind,
        "entity": d.entity,
        "mixed": p.mixed,
        "sensitivity": d.sensitivity,
        "grade": d.grade,
        "category": d.category,
        "valid_ratio": decision.valid_ratio,
        "decided_by": "person" if by_person else "classifier",
        "hint": decision.hint,
    }


def audit_details(report: ImportReport) -> dict[str, Any]:
    details = report.to_dict()
    details["updated_ids"] = report.updated_ids
    details["rejections"] = report.rejections[:1000]
    return details
