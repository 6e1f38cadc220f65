"""Issue 12.5: a 证件类型 column beside a mixed identity-document column labels each
row's number; names without a Han surname in a name column are names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.core.doctypes import document_entity, is_type_header, type_column
from piplvault.core.importplan import plan_columns
from piplvault.discovery import classify_columns
from piplvault.discovery.columns import FAMILIES
from piplvault.discovery.doctype import label_document
from piplvault.discovery.person import column_name
from piplvault.discovery.resident_id import check_digit
from piplvault.discovery.scanner import scan_table
from tests.inprocess import CliRunner, as_served

#: What people type in a 证件类型 column, and the entity each names.
TYPES = {
    "身份证": "CN_RESIDENT_ID",
    "居民身份证": "CN_RESIDENT_ID",
    "护照": "PASSPORT",
    "中国护照": "PASSPORT",
    "港澳通行证": "HK_MACAO_PERMIT",
    "回乡证": "HK_MACAO_PERMIT",
    "台胞证": "TAIWAN_PERMIT",
    "台湾居民来往大陆通行证": "TAIWAN_PERMIT",
    "Passport": "PASSPORT",
}
DIGITS = st.text("0123456789", min_size=8, max_size=8)


def resident_id(serial: str) -> str:
    body = "1101051949123" + serial[:4]
    return body + check_digit(body)


def number_for(entity: str, digits: str) -> str:
    """A valid number of ``entity`` built from eight digits."""
    if entity == "CN_RESIDENT_ID":
        return resident_id(digits)
    if entity == "PASSPORT":
        return "E" + digits
    if entity == "HK_MACAO_PERMIT":
        return "C" + digits
    return digits  # 台胞证: eight digits


def test_type_headers_and_values() -> None:
    """R-GB35273-B-1: 证件类型 / 证件种类 / ID type name a document kind; 证件号码 does not."""
    for header in ("证件类型", "证件种类", "证照类别", "ID Type", "document type"):
        assert is_type_header(header), header
    for header in ("证件号码", "证件号", "类型", "客户类型", "姓名"):
        assert not is_type_header(header), header
    for value, entity in TYPES.items():
        assert document_entity(value) == entity, value
    assert document_entity("港澳台居民居住证") == "HMT_RESIDENCE_PERMIT"
    assert document_entity("居住证") == "CN_RESIDENT_ID"  # a mainland 居住证
    assert document_entity("驾驶证") is None and document_entity("") is None
    assert type_column(["证件号码", "姓名", "证件类型"], 0) == 2
    assert type_column(["证件类型", "证件号码", "证件类别"], 1) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(TYPES)), DIGITS), min_size=3, max_size=12)
)
def test_each_row_gets_the_type_its_neighbour_names(
    rows: list[tuple[str, str]],
) -> None:
    """R-GB35273-B-1: an 8-digit passport number stays a passport, a 台胞证 a Taiwan permit:
    the scan labels every cell with the entity its 证件类型 names."""
    table = [
        [kind, number_for(TYPES[kind], digits) if i % 2 else digits]
        for i, (kind, digits) in enumerate(rows)
    ]
    result = scan_table(["证件类型", "证件号码"], table, cells=True)
    assert result.cells is not None
    labels = result.cells["证件号码"]
    for (kind, _), label, (_, number) in zip(rows, labels, table, strict=True):
        expected = TYPES[kind]
        if expected != "CN_RESIDENT_ID" and len(number) == 18:
            expected = "CN_RESIDENT_ID"
        assert label == expected, (kind, number)
    assert result.cells["证件类型"] == [None] * len(rows)


@settings(deadline=None)  # the first example loads every recognizer
@given(st.sampled_from(sorted(TYPES)), st.text("ABKXYZ0123456789", max_size=12))
def test_a_hinted_cell_is_never_non_personal(kind: str, number: str) -> None:
    """R-GB35273-B-1: whatever the number (a foreign passport, a typo), a row whose type is
    known labels the cell with that type; only validity may be false."""
    entity, valid = label_document(kind, number)
    if not number.strip():
        assert entity is None
        return
    assert entity in (TYPES[kind], "CN_RESIDENT_ID")
    if not valid:
        assert entity == TYPES[kind]


def test_import_plan_uses_the_type_column() -> None:
    """R-GB35273-B-1: a 证件号码 column with a 证件类型 neighbour is one `id_document`
    column whose cells go to passport / permit / ID fields of their own."""
    rows = [
        ["张伟", "身份证", resident_id("0031")],
        ["李娜", "身份证", resident_id("0042")],
    ]
    headers = ["姓名", "证件类型", "证件号码"]
    plans = plan_columns(classify_columns(headers, rows), FAMILIES)
    doc = plans[2]
    assert doc.mixed and doc.hint_index == 1 and doc.field.key == "id_document"
    assert set(doc.cell_fields) == {
        "CN_RESIDENT_ID",
        "HMT_RESIDENCE_PERMIT",
        "FOREIGN_PERMANENT_RESIDENT_ID",
        "PASSPORT",
        "HK_MACAO_PERMIT",
        "TAIWAN_PERMIT",
        "MILITARY_ID",
    }
    assert plans[0].hint_index is None and plans[1].hint_index is None


MINORITY = st.sampled_from("阿卜杜拉买提伊力哈木扎西古丽娜尔次仁卓玛热依拉艾则孜吐尔逊")


@settings(deadline=None)
@given(st.lists(st.text(MINORITY, min_size=2, max_size=4), min_size=1, max_size=3))
def test_names_without_a_han_surname(parts: list[str]) -> None:
    """R-4-1: 伊力哈木, 扎西, 阿卜杜拉·买买提 in a name column are names."""
    name = "·".join(parts)
    assert column_name(name)
    result = scan_table(["姓名", "手机"], [[name, "13812345678"]] * 3, cells=True)
    assert result.cells is not None and result.cells["姓名"] == ["PERSON"] * 3


def test_column_name_keeps_rejecting_what_is_no_name() -> None:
    """R-4-1: place names, words and numbers in a name column are not names."""
    for value in ("北京", "退货", "客户", "13812345678", "示例科技有限公司"):
        assert not column_name(value), value
    for value in (
        "扎西",
        "伊力哈木",
        "阿卜杜拉·买买提",
        "热依拉•阿不都",
        "Tashi Dorje",
    ):
        assert column_name(value), value


def _cli(*args: str | Path) -> Any:
    argv = [*map(str, args), "--json"]
    with as_served(argv):
        result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_import_through_the_cli_labels_documents_and_names(tmp_path: Path) -> None:
    """R-GB35273-B-1 / R-4-1: `piplvault import` (as served) stores each number under its type's
    field (a foreign passport number is kept as a passport, flagged), keeps minority
    names as names and never writes a number in plaintext."""
    home = tmp_path / "vault"
    _cli("init", home)
    rid = resident_id("0038")
    csv = tmp_path / "docs.csv"
    csv.write_text(
        "姓名,证件类型,证件号码\n"
        "扎西,护照,12345678\n"
        "伊力哈木,台胞证,87654321\n"
        f"阿卜杜拉·买买提,身份证,{rid}\n"
        "古丽娜尔,回乡证,H1234567890\n"
        "次仁卓玛,护照,E12345679\n",
        encoding="utf-8",
    )
    report = _cli("import", csv, "--home", home)
    fields = {c["header"]: (c["field"], c["kind"]) for c in report["columns"]}
    assert fields["证件号码"] == ("id_document", "pii")
    assert fields["姓名"][1] == "pii"
    assert report["flagged"] == 1  # 12345678 is no mainland passport
    flagged = _cli("customers", "flagged", "list", "--home", home)
    assert [c["flagged"] for c in flagged] == [["passport"]], flagged
    listed = _cli("customers", "list", "--home", home)
    keys = sorted(
        k for c in listed for k in c["fields"] if k not in ("name", "证件类型")
    )
    assert keys == sorted(
        ["passport", "taiwan_permit", "id_number", "hk_macao_permit", "passport"]
    ), listed
    found = _cli("customers", "find", "--id-number", rid, "--home", home)
    assert len(found) == 1
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for value in ("12345678", "87654321", rid, "扎西", "伊力哈木"):
        assert value.encode() not in stored, value
