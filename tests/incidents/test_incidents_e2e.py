"""Incidents end to end through the real ``piplvault`` command and a real server: the
leaked file is uploaded, the report and notices come back to the client's directories
(R-57-1, R-INC-4-1, R-NDS-11-1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import run_piplvault
from tests.transfer.small import ROWS


def pv(*args: str) -> Any:
    result = run_piplvault(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_incident_through_the_server(tmp_path: Path) -> None:
    home = str(tmp_path / "v")
    h = ("--home", home)
    assert run_piplvault("init", home).returncode == 0
    data = tmp_path / "customers.csv"
    data.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    pv("import", str(data), *h)
    pv("customers", "show", "2", "--reveal", "--purpose", "contract", *h)
    opened = pv(
        "incidents", "open", "--title", "导出文件外泄", "--found-at",
        "2026-11-30T09:00:00+08:00", "--source", "客户投诉", "--categories",
        "identity,contact", "--cause", "员工将导出文件发到私人邮箱", "--harm",
        "可能被冒用身份", "--remedies", "已要求删除并追回", "--advice", "留意陌生来电",
        "--contact", "400-000-0000", *h,
    )  # fmt: skip
    assert opened["id"] == "I-0001"
    by_audit = pv(
        "incidents", "affected", "I-0001", "--by", "owner", "--since", "2020-01-01",
        "--until", "2099-01-01", *h,
    )  # fmt: skip
    assert by_audit["persons"] == 1  # only customer 2 was read (an import is no read)
    leaked = tmp_path / "leak.csv"
    leaked.write_text("手机号,姓名\n15634067884,陈华\n", encoding="utf-8")
    by_file = pv("incidents", "affected", "I-0001", "--leaked-file", str(leaked), *h)
    assert by_file["persons"] == 1
    report = pv("incidents", "report", "I-0001", "--out", str(tmp_path / "r"), *h)
    assert Path(report["html"]).is_file() and Path(report["json"]).is_file()
    sent = pv("incidents", "notices", "I-0001", "--out", str(tmp_path / "n"), *h)
    assert sent["letters"] == 1
    letter = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "陈华" in letter and "张健" not in letter
    human = run_piplvault("--lang", "en", "incidents", "show", "I-0001", *h)
    assert human.returncode == 0, human.stderr
    assert "Persons affected" in human.stderr and "I-0001" in human.stderr
    closed = pv("incidents", "close", "I-0001", "--review", "已整改", *h)
    assert closed["state"] == "closed"
    drill = pv(
        "drills", "add", "--date", "2026-01-15", "--scenario", "泄露演练",
        "--findings", "流程可行", *h,
    )  # fmt: skip
    assert drill["id"] == 1
