"""Issue 12.3 — invalid is not lost (R-SYS-1 nothing silently dropped): the default keeps
the row and flags the cell; `customers flagged` lists, fixes and confirms; a numbering
plan that lags reality is a flag, never a dropped customer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piplvault.discovery.resident_id import check_digit
from tests.intake.helpers import cli, new_vault, write_csv

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it

GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"
DATA_ONLY = "14012345678"  # 140: an IoT segment neither plan lists for 11 digits
FIXED_ID = "11010519491231003" + check_digit("11010519491231003")


def _file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "mixed.csv",
        [
            ["姓名", "身份证号", "手机号"],
            ["张伟", GOOD_ID, "13812345678"],
            ["李娜", BAD_ID, "13912345678"],
            ["王芳", "", DATA_ONLY],
        ],
    )


def _import(home: Path, path: Path, *extra: str) -> tuple[int, dict, str]:
    ran = cli("import", str(path), "--home", str(home), "--json", *extra)
    return ran.code, json.loads(ran.out), ran.err


def test_default_keeps_invalid_rows_and_flags_the_cells(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    code, report, err = _import(home, _file(tmp_path))
    assert code == 0, err
    assert (report["new"], report["flagged"], report["rejected"]) == (3, 2, 0)
    assert "row 3, column '身份证号'" in err and BAD_ID not in err
    flagged = cli("customers", "flagged", "list", "--home", str(home), "--json")
    queue = {c["id"]: c["flagged"] for c in flagged.json()}
    assert queue == {2: ["id_number"], 3: ["mobile"]}
    assert BAD_ID not in flagged.out and DATA_ONLY not in flagged.out


def test_numbering_plan_drift_is_flagged_even_under_reject(tmp_path: Path) -> None:
    """A 14x data-only mobile is never a dropped customer; a wrong check digit is."""
    home = new_vault(tmp_path)
    code, report, _ = _import(home, _file(tmp_path), "--on-invalid", "reject")
    assert code == 1
    assert (report["new"], report["rejected"], report["flagged"]) == (2, 1, 1)
    aborted = cli(
        "import", str(_file(tmp_path)), "--home", str(home), "--on-invalid", "abort"
    )
    assert aborted.code == 1 and "row 3, column '身份证号'" in aborted.err
    drift_only = write_csv(
        tmp_path / "drift.csv",
        [["姓名", "手机号"], ["赵敏", DATA_ONLY.replace("0", "4", 1)]],
    )
    code, report, _ = _import(home, drift_only, "--on-invalid", "abort")
    assert code == 0 and report["flagged"] == 1


def test_flagged_fix_and_confirm_clear_the_queue_and_index_the_value(
    tmp_path: Path,
) -> None:
    home = new_vault(tmp_path)
    _import(home, _file(tmp_path))
    bad = cli(
        "customers",
        "flagged",
        "fix",
        "2",
        "id_number",
        "-",
        "--purpose",
        "contract",
        "--home",
        str(home),
        input="123\n",
    )
    assert bad.code == 1 and "not a valid CN_RESIDENT_ID" in bad.err
    fixed = cli(
        "customers",
        "flagged",
        "fix",
        "2",
        "id_number",
        "-",
        "--purpose",
        "contract",
        "--home",
        str(home),
        input=FIXED_ID + "\n",
    )
    assert fixed.code == 0, fixed.err
    confirmed = cli(
        "customers",
        "flagged",
        "confirm",
        "3",
        "mobile",
        "--purpose",
        "contract",
        "--home",
        str(home),
        "--json",
    )
    assert confirmed.code == 0, confirmed.err
    queue = cli("customers", "flagged", "list", "--home", str(home), "--json").json()
    assert queue == []
    found = cli(
        "customers", "find", "--phone", DATA_ONLY, "--home", str(home), "--json"
    )
    assert [c["id"] for c in found.json()] == [3]
    again = cli(
        "customers",
        "flagged",
        "confirm",
        "3",
        "mobile",
        "--purpose",
        "contract",
        "--home",
        str(home),
    )
    assert again.code == 1 and "is not flagged" in again.err
    log = cli("audit", "log", "--home", str(home), "--json").out
    assert "customer-flag-confirmed" in log and DATA_ONLY not in log
