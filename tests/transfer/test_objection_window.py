"""Issue 13 item 2 (R-22-1): the objection window runs from each customer's recorded
delivery, has a 30-day floor (raised only with a recorded reason), and ``--as-of`` can
neither skip it nor go unaudited — through the real CLI, smallest case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.transfer.small import cli, clock_at, create, fails, vault


def test_objection_days_floor_and_recorded_reason_R_22_1(tmp_path: Path) -> None:
    s = vault(tmp_path / "s", customers=True)
    assert "below the floor of 30 days" in fails(
        *("transfer", "create"), *_party(), "--objection-days", "0", *s
    )
    assert "record why" in fails(
        *("transfer", "create"), *_party(), "--objection-days", "45", *s
    )
    case = create(
        tmp_path / "s", "--objection-days", "45", "--objection-reason", "春节假期"
    )
    assert case["details"]["objection_days"] == 45
    created = [e for e in cli("audit", "log", *s) if e["action"] == "transfer-created"]
    assert created[-1]["details"]["objection_reason"] == "春节假期"


def test_window_counts_from_each_delivery_and_as_of_cannot_skip_it_R_22_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "s"
    s = vault(home, customers=True)
    day0 = dt.date.today()

    def on(days: int) -> str:
        return (day0 + dt.timedelta(days=days)).isoformat()

    case = create(home)["id"]
    cli("transfer", "notices", case, "--out", tmp_path / "n", *s)
    for cid in ("1", "2"):
        cli(
            "transfer", "delivery", case, "--customer", cid, "--status", "delivered", *s
        )
    with clock_at(monkeypatch, on(10)):  # the third letter arrives ten days later
        cli(
            "transfer", "delivery", case, "--customer", "3", "--status", "delivered", *s
        )
        assert cli("transfer", "advance", case, *s)["window_ends_on"] == on(40)
    assert "is in the future" in fails(
        "transfer", "advance", case, "--as-of", "2099-01-01", *s
    )
    with clock_at(monkeypatch, on(35)):
        assert f"runs until {on(40)}" in fails("transfer", "advance", case, *s)
    with clock_at(monkeypatch, on(40)):
        assert cli("transfer", "advance", case, *s)["state"] == "ready"
    log = cli("audit", "log", *s)
    refused = [e for e in log if e["action"] == "transfer-advance"]
    assert refused and all(e["outcome"] == "denied" for e in refused)
    steps = [e["details"] for e in log if e["action"] == "transfer-step"]
    assert steps[-1]["to"] == "ready" and steps[-1]["as_of"] == on(40)


def _party() -> tuple[str, ...]:
    from tests.transfer.small import CONTACT, RECIPIENT, USCC

    return (
        *("--recipient", RECIPIENT, "--contact", CONTACT, "--uscc", USCC),
        *("--purposes", "contract", "--deal", "merger"),
    )
