"""``piplvault scan`` through CliRunner and, once, through the installed command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.inprocess import CliRunner

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.discovery import scan_table

_ROWS = [
    ["客户编号", "姓名", "身份证号", "手机号", "订单号", "备注"],
    [
        "KH001",
        "张伟",
        "11010519491231002X",
        "13812345678",
        "420107202206171675",
        "客户张伟来电，手机13812345678。",
    ],
    [
        "KH002",
        "欧阳娜娜",
        "110105491231002",
        "+86 139 1234 5678",
        "202303152183675157",
        "已电话回访，客户表示满意。",
    ],
    [
        "KH003",
        "李秀英",
        "",
        "１３７１２３４５６７８",
        "330781201909028422",
        "住址北京市朝阳区建国路88号，邮箱li.xiuying@example.com",
    ],
]


def _write(tmp_path: Path, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "客户信息.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(_ROWS)
    return path


def test_scan_json_document(tmp_path: Path) -> None:
    path = _write(tmp_path)
    result = CliRunner().invoke(app, ["scan", str(path), "--json", "--cells"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"file", "encoding", "rows", "columns", "findings", "cells"}
    assert document["rows"] == 3
    assert document["encoding"] == "utf-8-sig"
    kinds = {c["name"]: (c["kind"], c["entity"]) for c in document["columns"]}
    assert kinds["身份证号"] == ("pii", "CN_RESIDENT_ID")
    assert kinds["订单号"] == ("non_pii", None)
    assert kinds["备注"] == ("free_text", None)
    assert document["cells"]["身份证号"] == ["CN_RESIDENT_ID", "CN_RESIDENT_ID", None]
    assert document["cells"]["订单号"] == [None, None, None]
    assert {"row": 0, "column": "备注", "start": 2, "end": 4, "entity": "PERSON"} in (
        document["findings"]
    )
    # No plaintext value appears anywhere in the document.
    for row in _ROWS[1:]:
        for value in row:
            if len(value) > 3:
                assert value not in result.stdout


def test_scan_without_cells_has_no_cells_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["scan", str(_write(tmp_path, "gb18030")), "--json"]
    )
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert "cells" not in document
    assert document["encoding"] == "gb18030"


def test_scan_table_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(_write(tmp_path))])
    assert result.exit_code == 0
    assert "CN_RESIDENT_ID" in result.stdout
    assert "Free-text findings:" in result.stdout
    assert "13812345678" not in result.stdout


def test_scan_missing_file_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "Error:" in result.stderr


def test_scan_table_in_parallel_matches_serial() -> None:
    rows = [_ROWS[1 + i % 3] for i in range(30)]
    serial = scan_table(_ROWS[0], rows, sample=10, cells=True, workers=1)
    parallel = scan_table(_ROWS[0], rows, sample=10, cells=True, workers=2)
    assert serial == parallel
    assert serial.rows == 30


def test_installed_command_scans_a_file(tmp_path: Path) -> None:
    path = _write(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "piplvault", "scan", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["rows"] == 3
    assert [c["kind"] for c in document["columns"]] == [
        "non_pii",
        "pii",
        "pii",
        "pii",
        "non_pii",
        "free_text",
    ]


def test_scan_reads_spreadsheets(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "客户"
    for row in _ROWS:
        sheet.append(row)
    path = tmp_path / "客户信息.xlsx"
    workbook.save(path)
    result = CliRunner().invoke(app, ["scan", str(path), "--sheet", "客户", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["encoding"] == "xlsx"
    assert document["columns"][2]["entity"] == "CN_RESIDENT_ID"
