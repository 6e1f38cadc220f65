"""Issue 12.8 and issue 10 items 6, 9, 16 — real files through the real CLI: title rows,
--header-row/--no-header, headerless files refused (no cell value in a field label or the
audit log), instruction sheets, non-table files, zip bombs, mixed encodings, Big5,
uncalculated formulas and NUL bytes. Each is a typed one-line error naming the file and
row, and imports nothing (R-SYS-1)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.intake.helpers import cli, new_vault, write_csv

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it

GOOD_ID = "11010519491231002X"


def _count(home: Path) -> int:
    return int(cli("status", "--home", str(home), "--json").json()["customers"])


def _refused(home: Path, path: Path, expected: str, *extra: str) -> str:
    ran = cli("import", str(path), "--home", str(home), *extra)
    assert ran.code == 1, ran.out
    assert ran.err.splitlines()[-1].startswith("Error: ") and path.name in ran.err, (
        ran.err
    )
    assert expected in ran.err, ran.err
    assert len(ran.err.strip().splitlines()) == 1, ran.err
    assert _count(home) == 0
    return ran.err


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


PEOPLE = [["姓名", "手机号"], ["张伟", "13812345678"], ["李娜", "13912345678"]]


def test_title_row_above_the_header_is_skipped_csv_and_xlsx(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    titled = [["2024年客户名单", ""], *PEOPLE]
    csv_report = cli(
        "import",
        str(write_csv(tmp_path / "t.csv", titled)),
        "--home",
        str(home),
        "--json",
    ).json()
    assert csv_report["new"] == 2
    xlsx = _workbook(tmp_path / "t.xlsx", {"客户": [["2024年客户名单"], *PEOPLE]})
    ran = cli("import", str(xlsx), "--home", str(home), "--json")
    assert ran.code == 0, ran.err
    assert (ran.json()["new"], ran.json()["unchanged"]) == (0, 2)


def test_header_row_option_names_the_header(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    rows = [
        ["导出人: 系统", "", ""],
        ["日期: 2024-01-01", "", ""],
        ["姓名", "手机号", "备注"],
    ]
    rows += [["张伟", "13812345678", "老客户"]]
    path = write_csv(tmp_path / "h.csv", rows)
    ran = cli("import", str(path), "--home", str(home), "--header-row", "3", "--json")
    assert ran.code == 0, ran.err
    assert [c["header"] for c in ran.json()["columns"]] == ["姓名", "手机号", "备注"]


def test_headerless_csv_is_refused_attack_values_in_field_labels(
    tmp_path: Path,
) -> None:
    """Issue 10.6: the first customer must never become field labels or audit text."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "nohead.csv",
        [["张伟", "13812345678", GOOD_ID], ["李娜", "13912345678", ""]],
    )
    err = _refused(home, path, "--no-header")
    assert "13812345678" not in err and GOOD_ID not in err
    assert "looks like data, not a header" in err
    status = cli("status", "--home", str(home), "--json").json()
    assert status["fields"] == []
    log = cli("audit", "log", "--home", str(home), "--json").out
    assert "13812345678" not in log and "张伟" not in log
    ran = cli("import", str(path), "--home", str(home), "--no-header", "--json")
    assert ran.code == 0, ran.err
    assert ran.json()["new"] == 2
    labels = [
        f["label"]
        for f in cli("status", "--home", str(home), "--json").json()["fields"]
    ]
    assert labels == ["列1", "列2", "列3"]
    entities = [c["entity"] for c in ran.json()["columns"]]
    assert entities == ["PERSON", "CN_MOBILE", "CN_RESIDENT_ID"]


def test_instruction_sheet_is_never_imported_silently(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    book = _workbook(
        tmp_path / "book.xlsx",
        {"说明": [["请在第二页填写客户信息"], ["手机号请填11位"]], "客户": PEOPLE},
    )
    ran = cli("import", str(book), "--home", str(home), "--json")
    assert ran.code == 0, ran.err
    assert (ran.json()["sheet"], ran.json()["new"]) == ("客户", 2)


def test_two_customer_sheets_need_sheet(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    book = _workbook(tmp_path / "two.xlsx", {"华东": PEOPLE, "华南": PEOPLE})
    err = _refused(home, book, "choose one with --sheet")
    assert "'华东'" in err and "'华南'" in err
    ran = cli("import", str(book), "--home", str(home), "--sheet", "华南", "--json")
    assert ran.code == 0 and ran.json()["new"] == 2


def test_pdf_that_decodes_is_not_a_table(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    path = tmp_path / "scan.csv"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    _refused(home, path, "this is a PDF document, not a table")


def test_xlsx_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    """Issue 10.9: shared strings that expand ~1000:1 are refused, not parsed."""
    home = new_vault(tmp_path)
    book = _workbook(tmp_path / "bomb.xlsx", {"客户": PEOPLE})
    with zipfile.ZipFile(book, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/bomb.xml", b"<a>" + b"A" * (16 << 20) + b"</a>")
    _refused(home, book, "possible zip bomb")


def test_utf8_bom_csv_with_a_gbk_row_names_the_row(tmp_path: Path) -> None:
    """Issue 10.16: one clean line, not "Internal error"."""
    home = new_vault(tmp_path)
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + "姓名,手机号\n张伟,13812345678\n".encode()
        + "李娜,13912345678\n".encode("gbk")
    )
    err = _refused(home, path, "row 3: this row is not valid UTF-8")
    assert "Internal error" not in err


def test_big5_file_is_not_imported_as_gb18030_mojibake(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    text = "姓名,手機號碼,地址\n陳大文,13812345678,臺北市信義區忠孝東路五段\n"
    text += "黃小明,13912345678,新北市板橋區文化路一段\n"
    path = tmp_path / "big5.csv"
    path.write_bytes(text.encode("big5"))
    _refused(home, path, "looks like Big5")
    ran = cli("import", str(path), "--home", str(home), "--encoding", "big5", "--json")
    assert ran.code == 0, ran.err
    assert ran.json()["new"] == 2


def test_formula_cells_without_saved_values_are_refused(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    book = _workbook(
        tmp_path / "formula.xlsx",
        {"客户": [["姓名", "手机号", "合计"], ["张伟", "13812345678", "=1+1"]]},
    )
    _refused(home, book, "formula cell(s) with no saved value (first: C2)")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_nul_byte_in_a_name_is_refused(tmp_path: Path, suffix: str) -> None:
    home = new_vault(tmp_path)
    rows = [["姓名", "手机号"], ["张伟", "13812345678"], ["李\x00娜", "13912345678"]]
    if suffix == ".csv":
        path = write_csv(tmp_path / "nul.csv", rows)
    else:
        # XML cannot hold NUL; Excel's _x0000_ escape decodes to one
        escaped = [[c.replace("\x00", "_x0000_") for c in r] for r in rows]
        path = _workbook(tmp_path / "nul.xlsx", {"客户": escaped})
    _refused(home, path, "row 3: a cell holds a NUL byte")


def test_formula_check_reads_the_chosen_sheet_not_the_first(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    book = _workbook(
        tmp_path / "second.xlsx",
        {
            "说明": [["请在客户页填写"]],
            "客户": [["姓名", "手机号", "合计"], ["张伟", "13812345678", "=1+1"]],
        },
    )
    _refused(home, book, "sheet '客户' has 1 formula cell(s) with no saved value")
