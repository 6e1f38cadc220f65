"""Grading and clock arithmetic (R-INC-4-1, R-INC-7-1, R-57-1, R-51-5) and cross-border
volume rules (R-XB-1, R-38-1, R-XB-3): pure functions, checked with hypothesis."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piplvault.core import crossborder as xb
from piplvault.core import incidents as inc
from piplvault.errors import ValidationError

DEFAULT = inc.IncidentRules()
#: Pure arithmetic: on a loaded shared machine only wall-clock health checks could fail.
calm = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
moments = st.datetimes(
    min_value=dt.datetime(2025, 11, 1), max_value=dt.datetime(2035, 1, 1),
    timezones=st.just(dt.UTC),
)  # fmt: skip


@pytest.mark.parametrize(
    ("persons", "grade"),
    [
        (0, "general"),
        (999_999, "general"),
        (1_000_000, "relatively-major"),
        (9_999_999, "relatively-major"),
        (10_000_000, "major"),
        (99_999_999, "major"),
        (100_000_000, "particularly-major"),
    ],
)
def test_grading_annex_boundaries_include_the_number_R_INC_4_1(
    persons: int, grade: str
) -> None:
    assert inc.grade(persons, DEFAULT) == grade


@calm
@given(
    st.integers(1, 10**9), st.integers(1, 10**9), st.integers(1, 10**9),
    st.integers(0, 2 * 10**9), st.integers(0, 2 * 10**9),
)  # fmt: skip
def test_grade_is_monotonic_and_matches_its_thresholds(
    a: int, b: int, c: int, p: int, q: int
) -> None:
    low, mid, high = sorted((a, b, c))
    rules = inc.IncidentRules(relatively_major=low, major=mid, particularly_major=high)
    small, large = sorted((p, q))
    order = inc.GRADES.index
    assert order(inc.grade(small, rules)) <= order(inc.grade(large, rules))
    expected = sum(large >= t for t in (low, mid, high))
    assert order(inc.grade(large, rules)) == expected


@calm
@given(moments, st.sampled_from(inc.OPERATORS), st.sampled_from(inc.GRADES))
def test_regulator_clock_is_awareness_plus_the_operators_hours(
    aware: dt.datetime, operator: str, grade: str
) -> None:
    rules = inc.IncidentRules(operator=operator)
    clocks = {c.key: c for c in inc.clocks(grade, rules, aware_at=aware)}
    assert clocks["individuals"].due == aware  # Art. 57: immediately
    hours = {"cii": 1, "state": 2, "other": 4}[operator]
    if inc.is_reportable(grade):
        assert clocks["regulator"].due == aware + dt.timedelta(hours=hours)
        assert clocks["summary"].applies
    else:
        assert clocks["regulator"].due == aware
        assert not clocks["summary"].applies
    assert clocks["summary"].due is None  # handling has not ended


@calm
@given(moments, st.integers(0, 400), st.integers(1, 90))
def test_summary_report_is_due_days_after_handling_ends_R_INC_7_1(
    aware: dt.datetime, later: int, days: int
) -> None:
    ended = aware + dt.timedelta(days=later)
    rules = inc.IncidentRules(summary_days=days)
    summary = inc.clocks("major", rules, aware_at=aware, handling_ended=ended)[2]
    assert summary.due == ended + dt.timedelta(days=days)


def test_other_operator_relatively_major_aware_at_ten_is_due_at_fourteen() -> None:
    """The requirement's own example (R-INC-4-1)."""
    aware = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    regulator = inc.clocks("relatively-major", DEFAULT, aware_at=aware)[1]
    assert regulator.due == dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
    assert regulator.source == inc.CLOCK_SOURCE


def test_rules_parse_and_refuse_nonsense() -> None:
    assert inc.IncidentRules.parse("1,2,3", "cii", 10).major == 2
    for text in ("1,2", "a,b,c", "3,2,1", "0,1,2"):
        with pytest.raises(ValidationError):
            inc.IncidentRules.parse(text, "other", 30)
    with pytest.raises(ValidationError):
        inc.IncidentRules(operator="bank")


def test_a_notice_names_every_missing_block_R_57_1() -> None:
    full = {b: "x" for b in inc.NOTICE_BLOCKS}
    assert inc.missing_notice_blocks(full) == []
    assert inc.missing_notice_blocks({**full, "harm": "", "contact": None}) == [
        "harm",
        "contact",
    ]


@calm
@given(st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)), st.integers(0, 800))
def test_a_drill_is_overdue_after_a_year_R_51_5(today: dt.date, ago: int) -> None:
    """Within 365 days is in time; more than 366 days ago is overdue (a leap day decides
    the day between); no drill at all is overdue."""
    last = today - dt.timedelta(days=ago)
    if ago <= 365:
        assert not inc.drill_overdue(last, today)
    elif ago > 366:
        assert inc.drill_overdue(last, today)
    assert inc.drill_overdue(None, today)


XB = xb.CrossBorderRules()


@pytest.mark.parametrize(
    ("persons", "sensitive", "need"),
    [
        (99_999, 0, "none"),
        (100_000, 0, "contract-or-certification"),
        (1, 1, "contract-or-certification"),
        (10_000, 9_999, "contract-or-certification"),
        (10_000, 10_000, "security-assessment"),
        (999_999, 0, "contract-or-certification"),
        (1_000_000, 0, "security-assessment"),
        (0, 0, "none"),
    ],
)
def test_cross_border_table_R_XB_1(persons: int, sensitive: int, need: str) -> None:
    assert xb.required(persons, sensitive, XB) == need


def test_cii_operator_needs_an_assessment_for_any_export_R_40_1() -> None:
    assert xb.required(1, 0, xb.CrossBorderRules(cii=True)) == "security-assessment"
    assert xb.required(0, 0, xb.CrossBorderRules(cii=True)) == "none"


@calm
@given(st.integers(0, 3 * 10**6), st.integers(0, 3 * 10**6), st.integers(0, 10**5))
def test_more_volume_never_needs_less(p: int, extra: int, s: int) -> None:
    s = min(s, p)
    order = xb.NEEDS.index
    assert order(xb.required(p, s, XB)) <= order(xb.required(p + extra, s, XB))
    assert order(xb.required(p, s, XB)) <= order(
        xb.required(p + extra, min(s + extra, p + extra), XB)
    )


@calm
@given(st.sampled_from(xb.NEEDS), st.sampled_from((None, *xb.MECHANISMS)))
def test_mechanism_coverage(need: str, mechanism: str | None) -> None:
    covered = xb.covers(mechanism, need)
    if need == "none" or mechanism in ("security-assessment", "exemption"):
        assert covered
    elif need == "security-assessment":
        assert not covered
    else:
        assert covered == (mechanism in ("standard-contract", "certification"))


def test_expiry_and_abroad() -> None:
    day = dt.date(2026, 11, 30)
    assert xb.is_expired(dt.date(2026, 11, 29), day)
    assert not xb.is_expired(day, day)
    assert not xb.is_expired(None, day)
    assert xb.is_abroad("hk") and xb.is_abroad("US") and not xb.is_abroad("cn")
