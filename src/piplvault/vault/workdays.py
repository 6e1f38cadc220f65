"""Working days on the State Council holiday calendar (issue 13 item 17).

Deadlines counted in working days (the 30-working-day stop-service notice lead time,
R-TC260-STOP-1) skip public holidays and count make-up working days (调休上班), as the State
Council's annual notice on holiday arrangements (国务院办公厅关于节假日安排的通知) sets them.
The ``chinesecalendar`` package carries those notices for the years it covers; a year it does
not cover yet is read from ``HOME/workdays.toml``, which the operator fills in from the
published notice::

    [2027]
    holidays = ["2027-01-01", "2027-02-06", "2027-02-07"]   # 放假
    workdays = ["2027-02-14"]                                # 调休上班

A year covered by neither falls back to Monday–Friday, and the result says so.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from piplvault.errors import ConfigError

OVERRIDE_FILE = "workdays.toml"


@dataclass(slots=True)
class WorkCalendar:
    holidays: set[dt.date] = field(default_factory=set)
    workdays: set[dt.date] = field(default_factory=set)
    override_years: set[int] = field(default_factory=set)
    uncovered_years: set[int] = field(default_factory=set)

    def is_workday(self, day: dt.date) -> bool:
        if day.year in self.override_years:
            if day in self.workdays:
                return True
            return day not in self.holidays and day.weekday() < 5
        import chinese_calendar  # type: ignore[import-untyped]

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            self.uncovered_years.add(day.year)
            return day.weekday() < 5

    def source(self) -> str:
        """Where the working days came from, for the case record and the report."""
        parts = ["State Council holiday calendar (chinesecalendar)"]
        if self.override_years:
            years = ", ".join(map(str, sorted(self.override_years)))
            parts.append(f"{OVERRIDE_FILE} for {years}")
        if self.uncovered_years:
            years = ", ".join(map(str, sorted(self.uncovered_years)))
            parts.append(
                f"Monday–Friday for {years} (not published yet: add the State Council "
                f"notice's dates to HOME/{OVERRIDE_FILE})"
            )
        return "; ".join(parts)


def load(home: Path) -> WorkCalendar:
    """The calendar with ``HOME/workdays.toml`` overrides (if any)."""
    path = home / OVERRIDE_FILE
    calendar = WorkCalendar()
    if not path.is_file():
        return calendar
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable TOML file ({exc})") from exc
    for year, body in data.items():
        if not year.isdecimal() or not isinstance(body, dict):
            raise ConfigError(f"{path}: [{year}] must be a year table like [2027]")
        calendar.override_years.add(int(year))
        for key, target in (
            ("holidays", calendar.holidays),
            ("workdays", calendar.workdays),
        ):
            for value in body.get(key, []):
                try:
                    day = dt.date.fromisoformat(str(value))
                except ValueError as exc:
                    raise ConfigError(
                        f"{path}: [{year}] {key}: '{value}' is not a date like 2027-01-01"
                    ) from exc
                if day.year != int(year):
                    raise ConfigError(
                        f"{path}: [{year}] {key}: {value} is another year"
                    )
                target.add(day)
    return calendar
