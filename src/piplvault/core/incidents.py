"""Security incidents (PIPL Art. 57; Incident Reporting Measures, in force 2025-11-01): the
grade by persons affected, the report clocks that apply, and what a notice must say.

Pure: the thresholds and hours come in as :class:`IncidentRules` (built from settings), the
times as arguments. Every figure carries its source and check mark (V/S/U/I) from
``pipl-requirements.md`` so that reports can show where it comes from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from piplvault.errors import ValidationError

#: Grades, lowest first (一般 / 较大 / 重大 / 特别重大).
GRADES = ("general", "relatively-major", "major", "particularly-major")
GRADE_ZH = {
    "general": "一般",
    "relatively-major": "较大",
    "major": "重大",
    "particularly-major": "特别重大",
}
#: Operator types (setting ``incident_operator``): who the report goes to, how fast.
OPERATORS = ("other", "cii", "state")
REPORT_HOURS = {"cii": 1, "state": 2, "other": 4}
REPORT_TO = {
    "cii": "保护工作部门和公安机关 protection department and public security organ",
    "state": "本单位网信工作机构 own cyber-affairs unit",
    "other": "属地省级网信部门 provincial cyberspace administration",
}
GRADING_SOURCE = (
    "Incident Reporting Measures, grading annex (R-INC-4-1; ≥1,000,000 S, "
    "≥10,000,000 S, ≥100,000,000 S; law-update-2026 item 18)"
)
CLOCK_SOURCE = "Incident Reporting Measures Art. 4 (R-INC-4-1, S)"
SUMMARY_SOURCE = "Incident Reporting Measures Arts. 7-8 (R-INC-7-1, S)"
IMMEDIATE_SOURCE = "PIPL Art. 57 (R-57-1, V)"
SOURCES = ("audit", "file")
#: What a notice to individuals must state (PIPL Art. 57 para. 1; R-57-1).
NOTICE_BLOCKS = ("categories", "cause", "harm", "remedies", "advice", "contact")


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentRules:
    """Thresholds (persons) and clocks, configurable; defaults from the requirements."""

    relatively_major: int = 1_000_000
    major: int = 10_000_000
    particularly_major: int = 100_000_000
    operator: str = "other"
    summary_days: int = 30

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValidationError(
                f"Unknown incident operator type '{self.operator}'; use "
                f"{', '.join(OPERATORS)}"
            )
        if not 0 < self.relatively_major <= self.major <= self.particularly_major:
            raise ValidationError(
                "Incident grade thresholds must rise: relatively major ≤ major ≤ "
                "particularly major, all above 0"
            )
        if self.summary_days < 1:
            raise ValidationError("The summary-report period must be at least 1 day")

    @classmethod
    def parse(cls, grades: str, operator: str, summary_days: int) -> IncidentRules:
        """From the settings text ``"1000000,10000000,100000000"``."""
        try:
            low, mid, high = (
                int(p.strip().replace("_", "")) for p in grades.split(",")
            )
        except ValueError as exc:
            raise ValidationError(
                f"Setting incident_grades must be three whole numbers, got {grades!r}"
            ) from exc
        return cls(
            relatively_major=low,
            major=mid,
            particularly_major=high,
            operator=operator,
            summary_days=summary_days,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "relatively_major": self.relatively_major,
            "major": self.major,
            "particularly_major": self.particularly_major,
            "operator": self.operator,
            "report_hours": REPORT_HOURS[self.operator],
            "summary_days": self.summary_days,
            "sources": {
                "grades": GRADING_SOURCE,
                "report_hours": CLOCK_SOURCE,
                "summary_days": SUMMARY_SOURCE,
                "individuals": IMMEDIATE_SOURCE,
            },
        }


def grade(persons: int, rules: IncidentRules) -> str:
    """The grade for ``persons`` distinct people affected ("以上" includes the number)."""
    if persons < 0:
        raise ValidationError("A count of persons cannot be negative")
    if persons >= rules.particularly_major:
        return "particularly-major"
    if persons >= rules.major:
        return "major"
    if persons >= rules.relatively_major:
        return "relatively-major"
    return "general"


def is_reportable(grade_: str) -> bool:
    """The hour clocks apply from "relatively major" up."""
    return GRADES.index(grade_) >= GRADES.index("relatively-major")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportClock:
    """One deadline: who is told, by when (None: not started yet), and why."""

    key: str
    to: str
    due: dt.datetime | None
    rule: str
    source: str
    applies: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "to": self.to,
            "due": self.due.isoformat() if self.due else None,
            "rule": self.rule,
            "source": self.source,
            "applies": self.applies,
        }


def clocks(
    grade_: str,
    rules: IncidentRules,
    *,
    aware_at: dt.datetime,
    handling_ended: dt.datetime | None = None,
) -> list[ReportClock]:
    """Every clock for an incident of ``grade_`` found at ``aware_at``."""
    hours = REPORT_HOURS[rules.operator]
    reportable = is_reportable(grade_)
    summary_due = (
        handling_ended + dt.timedelta(days=rules.summary_days)
        if handling_ended is not None
        else None
    )
    return [
        ReportClock(
            key="individuals",
            to="受影响的个人 affected individuals",
            due=aware_at,
            rule="立即 immediately (no hours), unless remedial measures effectively "
            "avoid harm",
            source=IMMEDIATE_SOURCE,
        ),
        ReportClock(
            key="regulator",
            to=REPORT_TO[rules.operator],
            due=aware_at + dt.timedelta(hours=hours) if reportable else aware_at,
            rule=(
                f"≤ {hours} h from awareness ({rules.operator} operator, grade "
                f"{grade_})"
                if reportable
                else "立即 immediately to the PI protection authorities (below "
                "'relatively major' no hour clock)"
            ),
            source=CLOCK_SOURCE if reportable else IMMEDIATE_SOURCE,
        ),
        ReportClock(
            key="summary",
            to=REPORT_TO[rules.operator],
            due=summary_due,
            rule=f"summary report within {rules.summary_days} days after handling ends",
            source=SUMMARY_SOURCE,
            applies=reportable,
        ),
    ]


def missing_notice_blocks(content: dict[str, object]) -> list[str]:
    """The Art. 57 blocks a notice lacks (empty text or no categories)."""
    return [b for b in NOTICE_BLOCKS if not content.get(b)]


def drill_overdue(last_drill: dt.date | None, today: dt.date) -> bool:
    """No drill in the last 12 months (R-51-5: at least yearly, S)."""
    if last_drill is None:
        return True
    day = 28 if (today.month, today.day) == (2, 29) else today.day
    return last_drill < today.replace(year=today.year - 1, day=day)
