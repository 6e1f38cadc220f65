"""Due dates of rights requests in working days on the State Council calendar (R-SYS-3),
counted from receipt (R-NDS-23-1), with a configurable service level that names its source
(R-45-1: product default 15 working days, App-enforcement benchmark)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piplvault.core import rights as core
from piplvault.errors import ValidationError
from piplvault.vault.workdays import WorkCalendar

CALENDAR = WorkCalendar()
# chinesecalendar covers these years; outside them the vault falls back to Mon-Fri
DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 11, 30))
LEVELS = st.integers(min_value=1, max_value=60)


def _workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end] counted the slow way."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += CALENDAR.is_workday(day)
    return n


@settings(max_examples=150, deadline=None)
@given(received=DAYS, days=LEVELS)
def test_due_date_is_the_nth_working_day_after_receipt(
    received: dt.date, days: int
) -> None:
    """R-SYS-3, R-NDS-23-1: the due date is a working day, after receipt, with exactly
    ``days`` working days in (receipt, due]."""
    level = core.service_level(days, configured=True)
    due = core.due_date(received, level, CALENDAR.is_workday)
    assert due > received
    assert CALENDAR.is_workday(due)
    assert _workdays_between(received, due) == days
    assert _workdays_between(received, due - dt.timedelta(days=1)) == days - 1


@settings(max_examples=100, deadline=None)
@given(a=DAYS, b=DAYS, days=LEVELS, more=LEVELS)
def test_due_date_is_monotonic(a: dt.date, b: dt.date, days: int, more: int) -> None:
    """R-SYS-3: a later receipt never gets an earlier due date, a longer service level
    never an earlier one; extending adds exactly the working days asked for."""
    first, second = sorted((a, b))
    due = core.add_working_days
    assert due(first, days, CALENDAR.is_workday) <= due(
        second, days, CALENDAR.is_workday
    )
    longer = due(first, days + more, CALENDAR.is_workday)
    assert longer > due(first, days, CALENDAR.is_workday)
    assert longer == due(
        due(first, days, CALENDAR.is_workday), more, CALENDAR.is_workday
    )


def test_national_day_week_is_skipped_and_make_up_saturday_counts() -> None:
    """R-SYS-3: 2025 National Day (Oct 1-8 off; Sat Sep 28 and Sat Oct 11 worked)."""
    level = core.service_level(1, configured=True)
    assert core.due_date(dt.date(2025, 9, 30), level, CALENDAR.is_workday) == dt.date(
        2025, 10, 9
    )
    assert core.due_date(dt.date(2025, 10, 10), level, CALENDAR.is_workday) == dt.date(
        2025, 10, 11
    )
    fifteen = core.service_level(15, configured=False)
    # received Tuesday 2025-09-30: Oct 9, 10, 11 (Sat, worked), 13-17, 20-24, 27, 28
    # → 2025-10-28; Monday-Friday counting would give 2025-10-21
    assert core.due_date(dt.date(2025, 9, 30), fifteen, CALENDAR.is_workday) == dt.date(
        2025, 10, 28
    )


def test_service_level_names_its_source() -> None:
    """R-45-1 (clock I): the default and a setting each say where the number comes from;
    a setting beyond the benchmark says so; nonsense is refused."""
    default = core.service_level(15, configured=False)
    assert default.source.startswith("product default 15 working days")
    assert "App illegal-collection identification method" in default.source
    slow = core.service_level(20, configured=True)
    assert "setting rights_working_days = 20" in slow.source
    assert "exceeds that benchmark" in slow.source
    with pytest.raises(ValidationError):
        core.service_level(0, configured=True)


@given(
    state=st.sampled_from(list(core.State)), wanted=st.sampled_from(list(core.State))
)
def test_state_machine_closed_states_are_final(
    state: core.State, wanted: core.State
) -> None:
    """R-50-1: fulfilment needs a verified identity; closed requests never reopen."""
    allowed = wanted in core.TRANSITIONS[state]
    if state in (core.State.FULFILLED, core.State.REFUSED):
        assert not allowed
    if state is core.State.RECEIVED and wanted is core.State.FULFILLED:
        assert not allowed
    if allowed:
        core.check_transition(state, wanted, request_id=1)
    else:
        with pytest.raises(ValidationError):
            core.check_transition(state, wanted, request_id=1)
