"""Issue 12.6/12.7 — coverage and precision guards: placeholders are null (never a
name, never stored), data-only mobile segments are personal data in a mobile column, and
the messy-export generator's labelled columns are decided as labelled (no decoy column
flagged)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench.gen_messy import generate

from piplvault.discovery import clean_cell, scan_table
from piplvault.io.tables import open_table
from tests.intake.helpers import cli, new_vault, write_csv

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it


def test_placeholders_are_null_not_names(tmp_path: Path) -> None:
    for placeholder in ("无", "/", "同上", "公海", "N/A", "--"):
        assert clean_cell(placeholder) == ""
    result = scan_table(
        ["紧急联系人", "姓名"],
        [["无", "张伟"], ["/", "同上"], ["李雷 13812345678", "王芳"]],
        cells=True,
    )
    assert result.cells == {
        "紧急联系人": [None, None, "EMERGENCY_CONTACT"],
        "姓名": ["PERSON", None, "PERSON"],
    }
    home = new_vault(tmp_path)
    path = write_csv(tmp_path / "p.csv", [["姓名", "手机号"], ["同上", "13812345678"]])
    assert cli("import", str(path), "--home", str(home)).code == 0
    shown = cli("customers", "show", "1", "--home", str(home), "--json").json()
    assert "name" not in shown["fields"]


def test_data_only_mobile_segment_is_labelled_in_a_mobile_column() -> None:
    result = scan_table(
        ["手机号"], [["13812345678"], ["14912345678"], ["149.2209.9026"]], cells=True
    )
    assert result.cells == {"手机号": ["CN_MOBILE"] * 3}


def test_messy_export_columns_are_decided_as_labelled(tmp_path: Path) -> None:
    """A small tuning-seed sample (the held-out seed is for bench/messy_bench.py)."""
    generate(300, 11, tmp_path)
    truth = json.loads((tmp_path / "truth.json").read_text("utf-8"))
    table = open_table(tmp_path / "customers.csv")
    result = scan_table(table.headers, table.rows(), cells=True)
    decided = {c.name: c for c in result.columns}
    for column in truth["columns"]:
        got = decided[column["name"]]
        if column["kind"] in ("decoy", "non_pii"):
            assert got.kind == "non_pii", column
        elif column["kind"] == "pii":
            assert got.kind == "pii", column
            assert got.entity in column["nominal_type"].split("|"), column


def test_bank_abbreviations_and_spaced_levels_are_bank_branches() -> None:
    """Issue 12.6: 工行/建行… and spaces between levels; 民生 alone is not a bank."""
    from piplvault.discovery import validate

    for value in ("工行", "建行朝阳支行", "中国银行 北京分行", "兴业银行 福州 分行"):
        assert validate("BANK_BRANCH", value), value
    for value in ("民生", "工行卡", "中信证券"):
        assert not validate("BANK_BRANCH", value), value


def test_spaced_names_and_two_people_in_a_cell_are_people() -> None:
    """Issue 12.6: 张 伟, 欧阳 娜娜, 张伟、李娜, 买买提•艾力."""
    from piplvault.discovery import cell_values, validate_cell

    for value in ("张 伟", "欧阳 娜娜", "张伟、李娜", "张伟/李娜", "买买提•艾力"):
        assert validate_cell("PERSON", value), value
    assert cell_values("PERSON", "张伟、李娜") == ["张伟", "李娜"]


def test_mixed_identity_document_column_is_labelled_per_cell(tmp_path: Path) -> None:
    """Issue 12.5: IDs, passports and permits in one 证件号码 column (证件类型 beside it is
    business data): one field `id_document`, each cell labelled, valid, masked."""
    from piplvault.discovery.resident_id import check_digit

    ids = [f"1101051949123100{n}" for n in range(3, 7)]
    ids = [i + check_digit(i) for i in ids]
    rows = [["姓名", "证件类型", "证件号码"]]
    rows += [
        [n, "身份证", i]
        for n, i in zip(["张伟", "李娜", "王芳", "刘洋"], ids, strict=True)
    ]
    rows += [["陈静", "护照", "E12345678"], ["赵敏", "港澳通行证", "C87654321"]]
    result = scan_table(rows[0], rows[1:], cells=True)
    assert result.cells is not None
    assert result.cells["证件号码"] == ["CN_RESIDENT_ID"] * 4 + [
        "PASSPORT",
        "HK_MACAO_PERMIT",
    ]
    assert result.cells["证件类型"] == [None] * 6
    home = new_vault(tmp_path)
    ran = cli(
        "import",
        str(write_csv(tmp_path / "doc.csv", rows)),
        "--home",
        str(home),
        "--json",
    )
    assert ran.code == 0, ran.err
    report = ran.json()
    fields = {c["header"]: (c["field"], c["kind"]) for c in report["columns"]}
    assert fields["证件号码"] == ("id_document", "pii")
    assert fields["证件类型"][1] == "non_pii"
    assert report["flagged"] == 0
    listed = cli("customers", "list", "--home", str(home), "--json").out
    assert "E12345678" not in listed and ids[0] not in listed
    found = cli(
        "customers", "find", "--id-number", ids[0], "--home", str(home), "--json"
    )
    assert len(found.json()) == 1


def test_address_and_organisation_coverage() -> None:
    """Issue 12.6: spaces between levels, unit notation, landmarks, postcodes;
    institutions, departments after the name, names without a legal form in an
    organisation column."""
    from piplvault.discovery import validate

    for value in (
        "北京市 朝阳区 建国路88号",
        "浙江省杭州市西湖区文三路12-3-501",
        "郑州市金水区花园路与农业路交叉口",
        "310000 浙江省杭州市西湖区文三路100号",
    ):
        assert validate("ADDRESS", value), value
    assert not validate("ADDRESS", "310000")
    for value in ("杭州市第二中学", "朝阳区税务局", "示例科技有限公司财务部"):
        assert validate("ORG_NAME", value), value
    assert not validate("ORG_NAME", "人事部")
    cells = scan_table(
        ["公司名称"],
        [["示例科技有限公司"], ["腾讯"], ["阿里巴巴"], ["张伟"]],
        cells=True,
    ).cells
    assert cells == {"公司名称": ["ORG_NAME", "ORG_NAME", "ORG_NAME", None]}


def test_a_surname_right_after_an_amount_is_currency() -> None:
    """Issue 12.7: 200元整 is money; 客户元芳 is still a person."""
    from piplvault.discovery import find_spans

    assert find_spans("客户付款200元整，已到账。") == []
    assert [s.entity for s in find_spans("客户元芳来电")] == ["PERSON"]


def test_free_text_precision_guards() -> None:
    """Issue 12.7: a Luhn-valid number needs card context or an issuer prefix;
    manufacturer and logistics staff are not customers."""
    from stdnum import luhn

    from piplvault.discovery import find_spans

    bare = "123456781234567"
    bare += luhn.calc_check_digit(bare)
    card = "622202123456789012"
    card += luhn.calc_check_digit(card)
    assert find_spans(f"参考{bare}已处理") == []
    assert [s.entity for s in find_spans(f"客户提供{card}用于退款")] == ["BANK_CARD"]
    assert find_spans("厂家王师傅上门安装") == []
    assert find_spans("由顺丰快递员李强送达") == []
