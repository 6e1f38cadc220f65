"""Issue 12 / R-GB35273-B-1: more identity documents of the 证件 family — 港澳台居民居住证,
外国人永久居留身份证 (15-character and 2023 18-digit), 军官证/士兵证 — with validators,
证件类型 hints, field keys, masking and labels; the 港澳/台湾 permits keep working."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.core.classification import classify_entity
from piplvault.core.customers import BLIND_INDEXED
from piplvault.core.doctypes import document_entity, pair_type_columns
from piplvault.core.importplan import MIXED_FIELDS, VALIDATED, plan_columns
from piplvault.core.masking import mask
from piplvault.discovery import classify_columns
from piplvault.discovery.columns import FAMILIES
from piplvault.discovery.doctype import label_document
from piplvault.discovery.military_id import validate as valid_military
from piplvault.discovery.residence_documents import (
    validate_foreign_permanent,
    validate_hmt_permit,
)
from piplvault.discovery.resident_id import check_digit
from piplvault.discovery.resident_id import validate as valid_resident_id
from piplvault.discovery.scanner import scan_table
from piplvault.discovery.spans import find_spans
from tests.inprocess import CliRunner, as_served

NEW = ("HMT_RESIDENCE_PERMIT", "FOREIGN_PERMANENT_RESIDENT_ID", "MILITARY_ID")
DATES = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2025, 12, 31))
SERIALS = st.text("0123456789", min_size=3, max_size=3)
PROVINCE = st.sampled_from(["11", "31", "44", "51", "65"])


def hmt_permit(area: str, day: dt.date, serial: str) -> str:
    body = f"{area}{day:%Y%m%d}{serial}"
    return body + check_digit(body)


def foreign_18(province: str, nation: str, day: dt.date, serial: str) -> str:
    body = f"9{province}{nation}{day:%Y%m%d}{serial}"
    return body + check_digit(body)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["810000", "820000", "830000"]), DATES, SERIALS)
def test_hmt_residence_permit_validator(area: str, day: dt.date, serial: str) -> None:
    """R-GB35273-B-1: a 港澳台居民居住证 number (81/82/83 0000, birth date, MOD 11-2) is
    valid, any single-digit change is not, and it is never a resident ID number."""
    number = hmt_permit(area, day, serial)
    assert validate_hmt_permit(number) and not valid_resident_id(number)
    assert validate_hmt_permit(f"{number[:6]} {number[6:14]} {number[14:]}".lower())
    for i in range(6, 18):
        wrong = "0" if number[i] != "0" else "1"
        assert not validate_hmt_permit(number[:i] + wrong + number[i + 1 :]), i
    assert not validate_hmt_permit("110000" + number[6:])  # a mainland address code


@settings(max_examples=80, deadline=None)
@given(PROVINCE, st.sampled_from(["840", "826", "392"]), DATES, SERIALS)
def test_foreign_permanent_resident_id_validator(
    province: str, nation: str, day: dt.date, serial: str
) -> None:
    """R-GB35273-B-1: the 2023 永居证 number (9, issuing province, nationality, birth
    date, MOD 11-2 check) is valid; a broken check digit, a first digit other than 9 or
    an issuing place outside the mainland is not; it is never a resident ID number."""
    number = foreign_18(province, nation, day, serial)
    assert validate_foreign_permanent(number) and not valid_resident_id(number)
    wrong = "0" if number[17] != "0" else "1"
    assert not validate_foreign_permanent(number[:17] + wrong)
    assert not validate_foreign_permanent("8" + number[1:])
    assert not validate_foreign_permanent(number[0] + "81" + number[3:])


@given(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    PROVINCE,
    st.text("0123456789", min_size=10, max_size=10),
)
def test_old_foreign_permanent_resident_id(
    letters: str, province: str, rest: str
) -> None:
    """R-GB35273-B-1: the 15-character 永居证 (3 letters + 12 digits from a mainland
    issuing province) is valid in any case; other lengths or shapes are not."""
    number = letters + province + rest
    assert validate_foreign_permanent(number)
    assert validate_foreign_permanent(number.lower())
    assert not validate_foreign_permanent(number[:-1])
    assert not validate_foreign_permanent(letters[:2] + province + rest + "0")
    assert not validate_foreign_permanent(letters + "99" + rest)


@given(
    st.sampled_from(["军", "政", "海", "空", "南", "成", "后勤"]),
    st.text("0123456789", min_size=6, max_size=10),
)
def test_military_id_shapes(branch: str, digits: str) -> None:
    """R-GB35273-B-1: 军官证/士兵证 numbers have no checksum: the printed 军字第…号 form and
    bare 6-10 digits are valid shapes; letters, short or long numbers are not."""
    assert valid_military(f"{branch}字第{digits}号")
    assert valid_military(digits)
    assert not valid_military(digits[:5])
    assert not valid_military(digits + "12345678901")
    assert not valid_military("E" + digits)


def test_type_values_name_the_new_documents() -> None:
    """R-GB35273-B-1: 证件类型 values in Chinese and English name each document."""
    cases = {
        "港澳台居民居住证": "HMT_RESIDENCE_PERMIT",
        "台湾居民居住证": "HMT_RESIDENCE_PERMIT",
        "Residence Permit for HK and Macao Residents": "HMT_RESIDENCE_PERMIT",
        "外国人永久居留身份证": "FOREIGN_PERMANENT_RESIDENT_ID",
        "永居证": "FOREIGN_PERMANENT_RESIDENT_ID",
        "Permanent Residence ID": "FOREIGN_PERMANENT_RESIDENT_ID",
        "军官证": "MILITARY_ID",
        "士兵证": "MILITARY_ID",
        "文职干部证": "MILITARY_ID",
        "Military ID": "MILITARY_ID",
        "居住证": "CN_RESIDENT_ID",  # a mainland 居住证 carries the resident ID number
        "回乡证": "HK_MACAO_PERMIT",
        "港澳居民来往内地通行证": "HK_MACAO_PERMIT",
        "台湾居民来往大陆通行证": "TAIWAN_PERMIT",
    }
    for value, entity in cases.items():
        assert document_entity(value) == entity, value


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["810000", "830000"]), DATES, SERIALS, PROVINCE)
def test_hints_and_checksums_label_each_cell(
    area: str, day: dt.date, serial: str, province: str
) -> None:
    """R-GB35273-B-1: the 证件类型 hint decides shapes without a checksum (a bare number
    after 军官证 is a military ID); a checksummed 18-character number overrules a wrong
    type; a value failing its hinted type keeps the type (flagged, never non-personal)."""
    permit = hmt_permit(area, day, serial)
    foreign = foreign_18(province, "840", day, serial)
    assert label_document("港澳台居民居住证", permit) == ("HMT_RESIDENCE_PERMIT", True)
    assert label_document("身份证", permit) == ("HMT_RESIDENCE_PERMIT", True)
    assert label_document("护照", foreign) == ("FOREIGN_PERMANENT_RESIDENT_ID", True)
    assert label_document(None, foreign) == ("FOREIGN_PERMANENT_RESIDENT_ID", True)
    assert label_document("军官证", "20051234") == ("MILITARY_ID", True)
    assert label_document("士兵证", "兵字第1234567号") == ("MILITARY_ID", True)
    assert label_document("军官证", "E1234") == ("MILITARY_ID", False)
    assert label_document("永居证", "USA3101790100") == (
        "FOREIGN_PERMANENT_RESIDENT_ID",
        False,
    )


def test_a_scan_labels_every_document_and_masks_it() -> None:
    """R-GB35273-B-1 / R-51-3: one 证件号码 column holding every document type, with its
    证件类型 neighbour, is labelled cell by cell; each new type is sensitive (grade 4),
    masked, validated, has a field key of its own and zh/en labels."""
    permit = hmt_permit("820000", dt.date(1990, 5, 6), "123")
    foreign = foreign_18("31", "840", dt.date(1985, 1, 2), "456")
    body = "11010519491231002"
    rows = [
        ["身份证", body + check_digit(body)],
        ["港澳居民居住证", permit],
        ["外国人永久居留身份证", foreign],
        ["永居证", "USA310179010016"],
        ["军官证", "军字第20051234号"],
        ["士兵证", "7024189"],
        ["护照", "E12345678"],
        ["回乡证", "H12345678"],
    ]
    result = scan_table(["证件类型", "证件号码"], rows, cells=True)
    assert result.cells is not None
    assert result.cells["证件号码"] == [
        "CN_RESIDENT_ID",
        "HMT_RESIDENCE_PERMIT",
        "FOREIGN_PERMANENT_RESIDENT_ID",
        "FOREIGN_PERMANENT_RESIDENT_ID",
        "MILITARY_ID",
        "MILITARY_ID",
        "PASSPORT",
        "HK_MACAO_PERMIT",
    ]
    for entity in NEW:
        klass = classify_entity(entity)
        assert klass.grade == 4 and klass.sensitivity == "sensitive"
        assert klass.label_zh and klass.label_en and klass.field
        assert entity in VALIDATED and MIXED_FIELDS[entity] == "id_document"
    assert BLIND_INDEXED["HMT_RESIDENCE_PERMIT"] == "id_number"
    assert mask("HMT_RESIDENCE_PERMIT", permit) == permit[:3] + "*" * 11 + permit[-4:]
    assert mask("FOREIGN_PERMANENT_RESIDENT_ID", "USA310179010016") == (
        "USA********0016"
    )
    assert mask("MILITARY_ID", "军字第20051234号") == "军字第****1234号"
    assert mask("MILITARY_ID", "7024189") == "***4189"


def test_plan_gives_each_document_a_field_and_pairs_the_nearest_type_column() -> None:
    """R-GB35273-B-1: a 证件类型 column describes the nearest document column (a tie
    goes to the column after it), so a 身份证号 column next to another column's type
    is not relabelled; the 证件号码 column gets a field per family member."""
    assert pair_type_columns(["身份证号", "证件类型", "证件号码"], [0, 2]) == {2: 1}
    assert pair_type_columns(["证件号码", "证件类型", "姓名"], [0]) == {0: 1}
    body = "11010519491231002"
    rid = body + check_digit(body)
    rows = [[rid, "军官证", "军字第20051234号"], [rid, "身份证", rid]] * 3
    headers = ["身份证号", "证件类型", "证件号码"]
    plans = plan_columns(classify_columns(headers, rows), FAMILIES)
    assert plans[0].hint_index is None and plans[2].hint_index == 1
    assert {e: f.key for e, f in plans[2].cell_fields.items() if e in NEW} == {
        "HMT_RESIDENCE_PERMIT": "residence_permit",
        "FOREIGN_PERMANENT_RESIDENT_ID": "permanent_residence_id",
        "MILITARY_ID": "military_id",
    }


def test_free_text_finds_the_new_documents_only_with_evidence() -> None:
    """R-GB35273-B-1: in notes, checksummed 18-character numbers are found on their own;
    the older 永居证 and military numbers need a word naming them; business numbers and
    codes are left alone."""
    permit = hmt_permit("830000", dt.date(1979, 3, 4), "007")
    foreign = foreign_18("44", "392", dt.date(1966, 7, 8), "321")

    def found(text: str) -> list[tuple[str, str]]:
        return [(s.entity, text[s.start : s.end]) for s in find_spans(text)]

    assert found(f"客户居住证{permit}已核验") == [("HMT_RESIDENCE_PERMIT", permit)]
    assert found(f"证件{foreign}") == [("FOREIGN_PERMANENT_RESIDENT_ID", foreign)]
    assert found("持永居证：USA310179010016，") == [
        ("FOREIGN_PERMANENT_RESIDENT_ID", "USA310179010016")
    ]
    assert found("；军官证海字第9477773号") == [("MILITARY_ID", "海字第9477773号")]
    assert found("客户士兵证4704730") == [("MILITARY_ID", "4704730")]
    assert found("港澳居民来往内地通行证：H06261662") == [
        ("HK_MACAO_PERMIT", "H06261662")
    ]
    assert found("批次USA310179010016入库") == []
    assert found("订单号7024189已发货") == []
    assert found(f"订单号{permit}") == []
    assert found(f"运单SF{permit[2:]}") == []


def _cli(*args: str | Path) -> Any:
    argv = [*map(str, args), "--json"]
    with as_served(argv):
        result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_import_stores_each_new_document_under_its_field(tmp_path: Path) -> None:
    """R-GB35273-B-1 / R-51-3: `piplvault import` (as served) stores a 港澳台居民居住证,
    a 永居证 and a 军官证 under fields of their own, masked in the list, never in
    plaintext on disk; the residence permit is found by `customers find --id-number`
    and a re-import creates no customer."""
    home = tmp_path / "vault"
    _cli("init", home)
    permit = hmt_permit("810000", dt.date(1988, 2, 3), "045")
    foreign = foreign_18("11", "840", dt.date(1975, 9, 10), "302")
    csv_path = tmp_path / "docs.csv"
    csv_path.write_text(
        "姓名,证件类型,证件号码\n"
        f"陈大文,港澳居民居住证,{permit}\n"
        f"John Smith,永居证,{foreign}\n"
        "王建军,军官证,军字第20051234号\n",
        encoding="utf-8",
    )
    report = _cli("import", csv_path, "--home", home)
    assert report["flagged"] == 0 and report["new"] == 3, report
    listed = _cli("customers", "list", "--home", home)
    fields = {k: v for c in listed for k, v in c["fields"].items()}
    assert fields["residence_permit"]["value"] == mask("HMT_RESIDENCE_PERMIT", permit)
    assert fields["permanent_residence_id"]["value"].startswith("911")
    assert fields["military_id"]["value"] == "军字第****1234号"
    found = _cli("customers", "find", "--id-number", permit, "--home", home)
    assert len(found) == 1
    again = _cli("import", csv_path, "--home", home)
    assert again["new"] == 0, again
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for value in (permit, foreign, "20051234"):
        assert value.encode() not in stored, value
