"""Issue 12.4 — dirty cells from real exports: every value found, validated and
blind-indexed (R-SYS-1 data quality), and none printed in a masked view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piplvault.discovery import cell_values, clean_cell, validate_cell
from tests.intake.helpers import cli, new_vault, write_csv

DIRTY_MOBILES = [
    ("'13812345678", "13812345678"),
    ('="13912345678"', "13912345678"),
    ("手机：13712345678", "13712345678"),
    ("13612345678(微信同号)", "13612345678"),
    ("+86 135 1234 5678", "13512345678"),
    ("(+86)134-1234-5678", "13412345678"),
    ("１３３１２３４５６７８", "13312345678"),
    ("\t 13212345678  ", "13212345678"),
    ("0086 15012345678", "15012345678"),
    ("Tel: 15112345678", "15112345678"),
]


@pytest.mark.parametrize(("dirty", "number"), DIRTY_MOBILES)
def test_dirty_mobile_cells_validate(dirty: str, number: str) -> None:
    assert validate_cell("CN_MOBILE", dirty)
    assert number in clean_cell(dirty).replace(" ", "").replace("-", "")


def test_several_values_in_one_cell_are_each_found() -> None:
    assert cell_values("CN_MOBILE", "13812345678；13912345678") == [
        "13812345678",
        "13912345678",
    ]
    assert cell_values("EMAIL", "a@x.cn、b@y.cn") == ["a@x.cn", "b@y.cn"]
    assert validate_cell("CN_MOBILE", "13812345678/13912345678")
    assert not validate_cell("CN_MOBILE", "13812345678/12345")
    assert clean_cell("1990-01-02 00:00:00") == "1990-01-02"
    assert validate_cell("DATE_OF_BIRTH", "1990-01-02 00:00:00")
    assert validate_cell("CN_LANDLINE", "010-62345678 分机 123")


def test_dirty_export_imports_clean_findable_and_masked(tmp_path: Path) -> None:
    home = new_vault(tmp_path)
    names = [
        "张伟",
        "王芳",
        "李娜",
        "刘洋",
        "陈静",
        "杨帆",
        "赵敏",
        "孙丽",
        "周杰",
        "吴昊",
    ]
    rows = [["姓名", "手机号", "出生日期", "邮箱"]]
    for name, (dirty, _) in zip(names, DIRTY_MOBILES, strict=True):
        rows.append([name, dirty, "1990-01-02 00:00:00", ""])
    rows.append(["郑爽", "13012345678；13112345678", "", "a@x.cn/b@y.cn"])
    ran = cli(
        "import",
        str(write_csv(tmp_path / "dirty.csv", rows)),
        "--home",
        str(home),
        "--json",
    )
    assert ran.code == 0, ran.err
    report = ran.json()
    assert (report["new"], report["flagged"], report["rejected"]) == (11, 0, 0)
    for _, number in DIRTY_MOBILES:
        found = cli(
            "customers", "find", "--phone", number, "--home", str(home), "--json"
        )
        assert len(found.json()) == 1, number
    second = cli(
        "customers", "find", "--phone", "13112345678", "--home", str(home), "--json"
    )
    assert [c["id"] for c in second.json()] == [11]
    by_mail = cli(
        "customers", "find", "--email", "b@y.cn", "--home", str(home), "--json"
    )
    assert [c["id"] for c in by_mail.json()] == [11]
    listed = cli("customers", "list", "--home", str(home), "--json").out
    for _, number in DIRTY_MOBILES:
        assert number not in listed
    assert "13112345678" not in listed and "b@y.cn" not in listed
    shown = cli(
        "customers",
        "show",
        "1",
        "--reveal",
        "--purpose",
        "contract",
        "--home",
        str(home),
        "--json",
    ).json()
    assert shown["fields"]["mobile"]["value"] == "13812345678"
    assert shown["fields"]["birth_date"]["value"] == "1990-01-02"
    assert json.dumps(shown).count("'") == 0
