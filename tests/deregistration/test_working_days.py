"""Issue 13 item 17 (R-TC260-STOP-1): the 30-working-day notice lead time counts on the State
Council holiday calendar, with an editable override for years the package does not cover."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from piplvault.core.cases import working_days_before
from piplvault.vault import workdays
from tests.transfer.small import cli


def test_national_day_golden_week_is_not_counted_R_TC260_STOP_1(tmp_path: Path) -> None:
    calendar = workdays.load(tmp_path)
    effective = dt.date(2026, 10, 30)
    # 1–8 October 2026 are holidays; Saturday 10 October is a make-up working day
    assert not calendar.is_workday(dt.date(2026, 10, 5))
    assert calendar.is_workday(dt.date(2026, 10, 10))
    on_calendar = working_days_before(effective, 30, calendar.is_workday)
    assert on_calendar < working_days_before(effective, 30)  # Mon–Fri would be too late
    assert on_calendar == dt.date(2026, 9, 14)


def test_override_file_covers_an_unpublished_year(tmp_path: Path) -> None:
    bare = workdays.load(tmp_path)
    assert bare.is_workday(dt.date(2027, 2, 8))  # Monday, calendar not published yet
    assert "Monday–Friday for 2027" in bare.source()
    (tmp_path / "workdays.toml").write_text(
        '[2027]\nholidays = ["2027-02-08", "2027-02-09"]\nworkdays = ["2027-02-20"]\n',
        encoding="utf-8",
    )
    calendar = workdays.load(tmp_path)
    assert not calendar.is_workday(dt.date(2027, 2, 8))
    assert calendar.is_workday(dt.date(2027, 2, 20))  # a Saturday 调休上班
    assert "workdays.toml for 2027" in calendar.source()


def test_deregister_start_records_the_calendar_used(tmp_path: Path) -> None:
    home = tmp_path / "v"
    cli("init", home)
    st = cli(
        "deregister", "start", "--reason", "解散", "--effective-date", "2026-10-30",
        "--resolution-date", "2026-09-01", "--home", home,
    )  # fmt: skip
    assert st["notice_by"] == "2026-09-14"
    assert "State Council holiday calendar" in st["notice_by_calendar"]
