"""Incidents through the CLI, in-process as the server runs them (R-57-1, R-INC-4-1,
R-INC-7-1, R-NDS-11-1, R-51-5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.incidents.small import FOUND, FULL, cli, clock_at, opened, read_some, vault
from tests.transfer.small import fails


def _audit(home: Path) -> list[dict[str, object]]:
    return list(cli("audit", "log", "--home", home))


def test_scope_from_the_audit_log_R_57_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The affected set is what the user read in the window: customer 1 (revealed) and 2
    (masked) on 11-20, not 3 (read on 11-25, outside it)."""
    home = tmp_path / "v"
    h = vault(home, customers=True)
    read_some(home, monkeypatch)
    inc = opened(home)
    assert (inc["id"], inc["state"], inc["persons"]) == ("I-0001", "open", 0)
    got = cli(
        "incidents", "affected", "I-0001", "--by", "owner",
        "--since", "2026-11-19T00:00:00+08:00", "--until", "2026-11-21T00:00:00+08:00", *h,
    )  # fmt: skip
    assert got["persons"] == 2
    assert got["sensitive_persons"] == 1  # only customer 1 was revealed
    assert got["grade"] == "general"
    assert got["details"]["scope"]["method"] == "audit"
    wider = cli(
        "incidents", "affected", "I-0001", "--by", "owner",
        "--since", "2026-11-19", "--until", "2026-11-26", *h,
    )  # fmt: skip
    assert wider["persons"] == 3
    nobody = cli(
        "incidents", "affected", "I-0001", "--by", "alice",
        "--since", "2026-11-19", "--until", "2026-11-26", *h,
    )  # fmt: skip
    assert nobody["persons"] == 0


def test_clocks_below_relatively_major_are_immediate_R_57_1(tmp_path: Path) -> None:
    home = tmp_path / "v"
    vault(home, customers=True)
    shown = opened(home)
    clocks = {c["key"]: c for c in shown["clocks"]}
    assert clocks["individuals"]["due"] == "2026-11-26T02:00:00+00:00"
    assert clocks["regulator"]["due"] == "2026-11-26T02:00:00+00:00"
    assert "immediately" in clocks["regulator"]["rule"]
    assert clocks["summary"]["applies"] is False


def test_grade_and_clock_follow_the_settings_R_INC_4_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thresholds and operator type are settings: with 1/2/3 persons, two people read is
    'major'; a CII operator reports within 1 hour, others within 4."""
    home = tmp_path / "v"
    h = vault(home, customers=True)
    read_some(home, monkeypatch)
    opened(home)
    monkeypatch.setenv("PIPLVAULT_INCIDENT_GRADES", "1,2,3")
    got = cli(
        "incidents", "affected", "I-0001", "--by", "owner",
        "--since", "2026-11-19", "--until", "2026-11-21", *h,
    )  # fmt: skip
    assert got["grade"] == "major"
    regulator = next(c for c in got["clocks"] if c["key"] == "regulator")
    assert regulator["due"] == "2026-11-26T06:00:00+00:00"  # 10:00 Beijing + 4 h
    assert "provincial" in regulator["to"]
    monkeypatch.setenv("PIPLVAULT_INCIDENT_OPERATOR", "cii")
    shown = cli("incidents", "show", "I-0001", *h)
    regulator = next(c for c in shown["clocks"] if c["key"] == "regulator")
    assert regulator["due"] == "2026-11-26T03:00:00+00:00"
    assert shown["rules"]["sources"]["report_hours"].startswith(
        "Incident Reporting Measures Art. 4"
    )


def test_scope_from_a_leaked_file_by_blind_index_R_57_1(tmp_path: Path) -> None:
    """Rows of a leaked file are matched like an import matches them; a stranger is not
    a customer; nothing of the file lands in the vault directory."""
    home = tmp_path / "v"
    h = vault(home, customers=True)
    opened(home)
    leaked = tmp_path / "leak.csv"
    leaked.write_text(
        "姓名,身份证号,手机号\n"
        "张健,32010219480921163X,13411641045\n"
        "某某,11010519491231002X,13800000000\n"  # customer 3 by ID number
        "路人,110101199003074258,13700000000\n",  # nobody in the vault
        encoding="utf-8",
    )
    got = cli("incidents", "affected", "I-0001", "--leaked-file", leaked, *h)
    scope = got["details"]["scope"]
    assert (got["persons"], scope["rows"], scope["unmatched_rows"]) == (2, 3, 1)
    assert got["sensitive_persons"] == 2  # ID numbers leaked
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"110101199003074258" not in data, path
            assert "路人".encode() not in data, path


def test_token_scope_is_its_users_reads_in_its_lifetime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    h = vault(home, customers=True)
    read_some(home, monkeypatch)  # 11-20 and 11-25
    with clock_at(monkeypatch, "2026-11-24"):
        token = cli("users", "token", "owner", "--days", "30", *h)
    opened(home)
    got = cli(
        "incidents", "affected", "I-0001", "--token-id", token["token"].split("_")[1],
        "--since", "2026-11-01", "--until", "2026-11-30", *h,
    )  # fmt: skip
    assert got["persons"] == 1  # only the 11-25 read falls in the token's life
    assert "No API token" in fails(
        "incidents", "affected", "I-0001", "--token-id", "nope",
        "--since", "2026-11-01", "--until", "2026-11-30", *h,
    )  # fmt: skip


def test_report_notices_and_close_R_57_1_R_INC_7_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    h = vault(home, customers=True)
    read_some(home, monkeypatch)
    opened(home)
    cli(
        "incidents", "affected", "I-0001", "--by", "owner",
        "--since", "2026-11-19", "--until", "2026-11-21", *h,
    )  # fmt: skip
    # a notice lacking cause, harm, remedies, advice or contact is refused (and audited)
    assert "cause, harm, remedies, advice, contact" in fails(
        "incidents", "notices", "I-0001", "--out", tmp_path / "n", *h
    )
    denied = [e for e in _audit(home) if e["action"] == "incident-notices"]
    assert denied and denied[-1]["outcome"] == "denied"
    assert "regulator report" in fails(
        "incidents", "close", "I-0001", "--review", "复盘", *h
    )
    cli("incidents", "update", "I-0001", *FULL, *h)
    report = cli("incidents", "report", "I-0001", "--out", tmp_path / "r", *h)
    text = Path(report["json"]).read_text(encoding="utf-8")
    assert '"persons": 2' in text
    for plain in ("张健", "陈华", "13411641045"):
        assert plain not in text
    assert "persons have no notice" in fails(
        "incidents", "close", "I-0001", "--review", "复盘", *h
    )
    sent = cli("incidents", "notices", "I-0001", "--out", tmp_path / "n", *h)
    assert (sent["letters"], sent["sms"]) == (2, 2)
    letters = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "张健" in letters and "陈华" in letters and "李娜" not in letters
    for block in FULL[1::2]:
        assert block in letters
    assert "notices" in fails("incidents", "notices", "I-0001", "--out", home / "x", *h)
    with clock_at(monkeypatch, "2026-11-28"):
        closed = cli("incidents", "close", "I-0001", "--review", "已复盘并整改", *h)
    assert closed["state"] == "closed"
    assert closed["details"]["review"] == "已复盘并整改"
    assert "closed" in fails("incidents", "update", "I-0001", "--cause", "x", *h)
    summary = cli("incidents", "report", "I-0001", "--out", tmp_path / "s", *h)
    assert "已复盘并整改" in Path(summary["html"]).read_text(encoding="utf-8")
    assert "summary_report" in cli("incidents", "show", "I-0001", *h)["details"]
    listed = cli("incidents", "list", *h)
    assert [(i["id"], i["state"]) for i in listed] == [("I-0001", "closed")]
    actions = [e["action"] for e in _audit(home) if e["outcome"] == "ok"]
    for action in ("incident-opened", "incident-scoped", "incident-report",
                   "incident-notices", "incident-closed"):  # fmt: skip
        assert action in actions


def test_summary_clock_starts_when_handling_ends_R_INC_7_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    h = vault(home, customers=True)
    monkeypatch.setenv("PIPLVAULT_INCIDENT_GRADES", "1,2,3")
    read_some(home, monkeypatch)
    opened(home, *FULL)
    cli(
        "incidents", "affected", "I-0001", "--by", "owner",
        "--since", "2026-11-19", "--until", "2026-11-21", *h,
    )  # fmt: skip
    cli("incidents", "report", "I-0001", "--out", tmp_path / "r", *h)
    with clock_at(monkeypatch, "2026-11-28"):
        closed = cli(
            "incidents", "close", "I-0001", "--review", "复盘",
            "--no-notice-reason", "数据已加密，密钥未泄露", *h,
        )  # fmt: skip
    summary = next(c for c in closed["clocks"] if c["key"] == "summary")
    assert summary["applies"] is True
    assert summary["due"].startswith("2026-12-28T12:00")


def test_bad_input_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "v"
    h = vault(home)
    assert "categories" in fails(
        "incidents", "open", "--title", "t", "--found-at", FOUND, "--source", "s",
        "--categories", "religion", *h,
    )  # fmt: skip
    assert "--found-at" in fails(
        "incidents", "open", "--title", "t", "--found-at", "yesterday", "--source", "s",
        "--categories", "identity", *h,
    )  # fmt: skip
    assert "No incident" in fails("incidents", "show", "I-0009", *h)


def test_drills_are_recorded_and_a_missing_one_warned_R_51_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    h = vault(home)
    with clock_at(monkeypatch, "2026-11-30"):
        assert cli("drills", "list", *h)["overdue"] is True
        cli(
            "drills", "add", "--date", "2025-11-01", "--scenario", "数据库泄露演练",
            "--findings", "告知模板缺少联系方式", "--plan-version", "v1", *h,
        )  # fmt: skip
        assert cli("drills", "list", *h)["overdue"] is True  # over a year ago
        cli(
            "drills", "add", "--date", "2026-11-20", "--scenario", "账号被盗演练",
            "--findings", "四小时内完成上报", *h,
        )  # fmt: skip
        listed = cli("drills", "list", *h)
        assert "before" in fails(
            "drills", "add", "--date", "2026-12-01", "--scenario", "s", "--findings",
            "f", *h,
        )  # fmt: skip
    assert listed["overdue"] is False
    assert [d["held_on"] for d in listed["drills"]] == ["2025-11-01", "2026-11-20"]
