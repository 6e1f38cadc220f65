"""Case pages: which step is current, its deadline and what blocks it (R-22-1 notices
before hand-over, R-CO-235 creditors before shredding), from a case's status."""

from __future__ import annotations

import datetime as dt

from piplvault.web.case_steps import deregistration_steps, transfer_steps

TODAY = dt.date(2026, 11, 30)


def _transfer(state: str, **extra: object) -> dict[str, object]:
    counts = {
        "included": 10,
        "excluded": 0,
        "notices": {"delivered": 7, "announced": 1},
    }
    return {"id": "T-0002", "state": state, "counts": counts, "pinned": {}, **extra}


def test_transfer_window_open_with_undelivered_notices() -> None:
    steps = transfer_steps(
        _transfer("notices-sent", window_ends_on="2026-12-30"), TODAY
    )
    assert [s.status for s in steps][:3] == ["done", "current", "todo"]
    current = steps[1]
    assert current.deadline == "2026-12-30"
    messages = [m.format(**v) for m, v in current.blockers]
    assert "2 notice(s) not yet delivered or announced" in messages
    assert "The objection window runs until 2026-12-30" in messages


def test_transfer_ready_needs_pinned_keys_and_then_not() -> None:
    unpinned = transfer_steps(_transfer("ready"), TODAY)[3]
    assert unpinned.status == "current" and unpinned.blockers
    pinned = transfer_steps(_transfer("ready", pinned={"signing": "ab:cd"}), TODAY)[3]
    assert pinned.blockers == []


def test_window_over_and_everyone_told_blocks_nothing() -> None:
    status = _transfer("objection-window", window_ends_on="2026-11-29")
    status["counts"] = {"included": 3, "notices": {"delivered": 3}}
    assert transfer_steps(status, TODAY)[2].blockers == []


def test_deregistration_unsettled_creditor_and_route_blockers() -> None:
    status = {
        "state": "packaged",
        "split": {"creditors_unsettled": 1},
        "route_blockers": ["simplified route needs a shareholders' commitment"],
        "notice_by": "2026-12-10",
        "claims_deadline": "2027-01-14",
        "custodian": {"name": "某档案管理有限公司"},
    }
    steps = deregistration_steps(status, TODAY)
    current = next(s for s in steps if s.status == "current")
    assert current.state == "packaged" and current.deadline == "2027-01-14"
    texts = [m.format(**v) for m, v in current.blockers]
    assert "1 creditor claim(s) not settled (Company Law Art. 235)" in texts
    assert "simplified route needs a shareholders' commitment" in texts


def test_finished_case_has_every_step_done() -> None:
    steps = transfer_steps(_transfer("source-destroyed"), TODAY)
    assert [s.status for s in steps] == ["done"] * 5 + ["current"]
