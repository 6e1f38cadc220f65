"""Golden files for the incident regulator report and the per-person notice (R-57-1,
R-INC-4-1). Rewrite them with PIPLVAULT_UPDATE_GOLDEN=1 and review the diff like code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.incidents.small import FULL, cli, clock_at, opened, read_some, vault

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PIPLVAULT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text


def test_incident_report_and_notice_golden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    h = vault(home, customers=True)
    cli(
        "company", "set", "--uscc", "91110000600037341L", "--address",
        "北京市东城区示例路1号", "--contact", "400-000-0000", "--dpo",
        "privacy@example.com", "--sms-signature", "示例商贸", *h,
    )  # fmt: skip
    read_some(home, monkeypatch)
    monkeypatch.setenv("PIPLVAULT_INCIDENT_GRADES", "1,2,3")  # two people: major
    with clock_at(monkeypatch, "2026-11-27"):
        opened(home, *FULL, "--description", "攻击者使用泄露口令登录销售账号",
               "--measures", "封禁来源 IP，保全日志", "--started-at", "2026-11-20")  # fmt: skip
        cli(
            "incidents", "affected", "I-0001", "--by", "owner",
            "--since", "2026-11-19T00:00:00+08:00", "--until", "2026-11-21T00:00:00+08:00", *h,
        )  # fmt: skip
        zh = cli("incidents", "report", "I-0001", "--out", tmp_path / "zh", *h)
        cli("incidents", "notices", "I-0001", "--out", tmp_path / "n", *h)
        monkeypatch.setenv("PIPLVAULT_LANG", "en")
        en = cli("incidents", "report", "I-0001", "--out", tmp_path / "en", *h)
        cli("incidents", "notices", "I-0001", "--out", tmp_path / "n-en", *h)
    _check("incident-report.zh-CN.html", Path(zh["html"]).read_text(encoding="utf-8"))
    _check("incident-report.en.html", Path(en["html"]).read_text(encoding="utf-8"))
    for lang, where in (("zh", "n"), ("en", "n-en")):
        _check(
            f"incident-letters.{lang}.html",
            (tmp_path / where / "letters.html").read_text(encoding="utf-8"),
        )
        _check(
            f"incident-sms.{lang}.csv",
            (tmp_path / where / "sms.csv").read_text(encoding="utf-8-sig"),
        )
