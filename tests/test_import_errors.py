"""Every bad-input case through the real CLI: typed error naming file/row/column, exit 1,
and nothing half-imported (R-SYS-1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_piplvault
from tests.vaults import clone, initialized

GOOD_ID = "11010519491231002X"
BAD_ID = "110105194912310021"
HEADER = "姓名,身份证号,手机号\n"


@pytest.fixture(scope="module")
def new_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new vault (a real ``piplvault init``), never written to: ``home`` copies it."""
    return initialized(tmp_path_factory.mktemp("new"))


@pytest.fixture
def home(new_vault: Path, tmp_path: Path) -> Path:
    """The test's own new, empty vault (a copy of ``new_vault``, tests/vaults.py)."""
    return clone(new_vault, tmp_path / "vault")


@pytest.fixture(scope="module")
def empty_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty vault for every bad-input case: each must leave it empty."""
    home = tmp_path_factory.mktemp("bad-input") / "vault"
    assert run_piplvault("init", str(home)).returncode == 0
    return home


def _customers(home: Path) -> int:
    out = run_piplvault("status", "--home", str(home), "--json")
    return int(json.loads(out.stdout)["customers"])


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


CASES = {
    "missing": (None, "file not found"),
    "undecodable": (
        "姓名,手机号\n".encode() + b"\x80\x80\xff,1\n",
        "neither UTF-8 nor GBK",
    ),
    "ragged": (
        (HEADER + f"张伟,{GOOD_ID},13812345678\n李娜,13812345679\n").encode(),
        "row 3: has 2 cells but the header has 3",
    ),
    "empty": (b"", "the file is empty"),
    "not_zip_xlsx": (b"this is not a workbook", "not a readable workbook"),
    "huge_cell": (
        (HEADER + "张伟," + "1" * 70_000 + ",13812345678\n").encode(),
        "larger than 64 KiB",
    ),
    "duplicate_header": (
        "姓名,手机号,手机号\n张伟,13812345678,13812345679\n".encode(),
        "column '手机号': the header appears twice",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_a_typed_error_and_imports_nothing(
    case: str, empty_vault: Path, tmp_path: Path
) -> None:
    home = empty_vault
    data, expected = CASES[case]
    suffix = ".xlsx" if case == "not_zip_xlsx" else ".csv"
    path = tmp_path / f"{case}{suffix}"
    if data is not None:
        _write(path, data)
    result = run_piplvault("import", str(path), "--home", str(home))
    assert result.returncode == 1, result.stdout
    # zh (default) puts a 错误： line first; the English "Error: " line is always there
    assert "\nError: " in "\n" + result.stderr, result.stderr
    assert path.name in result.stderr
    if expected:
        assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert _customers(home) == 0
    assert run_piplvault("audit", "verify", "--home", str(home)).returncode == 0


def _invalid_file(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "ids.csv",
        (HEADER + f"张伟,{GOOD_ID},13812345678\n李娜,{BAD_ID},13812345679\n").encode(
            "utf-8"
        ),
    )


def test_invalid_id_is_rejected_with_reject_naming_row_and_column(
    home: Path, tmp_path: Path
) -> None:
    result = run_piplvault(
        "import",
        str(_invalid_file(tmp_path)),
        "--home",
        str(home),
        "--on-invalid",
        "reject",
        "--json",
    )
    assert result.returncode == 1
    assert (
        "ids.csv, row 3, column '身份证号': not a valid CN_RESIDENT_ID" in result.stderr
    )
    assert BAD_ID not in result.stderr + result.stdout
    report = json.loads(result.stdout)
    assert (report["new"], report["rejected"]) == (1, 1)
    assert _customers(home) == 1


def test_invalid_id_with_flag_is_imported_and_flagged(
    home: Path, tmp_path: Path
) -> None:
    result = run_piplvault(
        "import",
        str(_invalid_file(tmp_path)),
        "--home",
        str(home),
        "--on-invalid",
        "flag",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["new"], report["flagged"]) == (2, 1)
    shown = json.loads(
        run_piplvault("customers", "show", "2", "--home", str(home), "--json").stdout
    )
    assert shown["fields"]["id_number"]["flagged_invalid"] is True


def test_invalid_id_with_abort_imports_nothing(home: Path, tmp_path: Path) -> None:
    result = run_piplvault(
        "import",
        str(_invalid_file(tmp_path)),
        "--home",
        str(home),
        "--on-invalid",
        "abort",
    )
    assert result.returncode == 1
    assert "row 3, column '身份证号'" in result.stderr
    assert _customers(home) == 0


def test_dry_run_stores_nothing(home: Path, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ok.csv", (HEADER + f"张伟,{GOOD_ID},13812345678\n").encode()
    )
    result = run_piplvault(
        "import", str(path), "--home", str(home), "--dry-run", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["new"] == 1
    assert _customers(home) == 0


def test_full_width_digits_and_gb18030_rare_characters(
    home: Path, tmp_path: Path
) -> None:
    text = (
        HEADER
        + "𠮷喆,１１０１０５１９４９１２３１００２ｘ,＋８６ １３８ １２３４ ５６７８\n"
        + ("张伟,310115198001010016,13912345678\n李娜,440106199002020029,13712345678\n")
    )
    path = _write(tmp_path / "gb.csv", text.encode("gb18030"))
    result = run_piplvault("import", str(path), "--home", str(home), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["encoding"] == "gb18030" and report["new"] == 3
    shown = json.loads(
        run_piplvault(
            "customers",
            "show",
            "1",
            "--reveal",
            "--purpose",
            "contract",
            "--home",
            str(home),
            "--json",
        ).stdout
    )
    assert shown["fields"]["name"]["value"] == "𠮷喆"
    found = run_piplvault(
        "customers", "find", "--id-number", GOOD_ID, "--home", str(home), "--json"
    )
    assert [c["id"] for c in json.loads(found.stdout)] == [1]
