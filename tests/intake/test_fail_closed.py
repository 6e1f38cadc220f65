"""Issue 12.1 — fail closed on real spreadsheets (R-28-1 sensitive data, R-51 security
measures): a header naming a personal-data type keeps it whatever the values, uncertain
columns are personal data, and no masked view prints a value any recognizer finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piplvault.discovery.resident_id import check_digit
from tests.intake.helpers import cli, new_vault, write_csv

pytestmark = pytest.mark.usefixtures("empty_template")  # new_vault copies it

_FIRST17 = "11010519491231002"
VALID_ID = _FIRST17 + check_digit(_FIRST17)
TYPO_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")


def _import(home: Path, path: Path, *extra: str) -> dict:
    ran = cli("import", str(path), "--home", str(home), "--json", *extra)
    assert ran.code in (0, 1), ran.err
    return json.loads(ran.out)


def _listed(home: Path) -> str:
    ran = cli("customers", "list", "--home", str(home), "--json")
    assert ran.code == 0, ran.err
    return ran.out


def test_id_column_with_failing_values_stays_an_id_column_attack_downgrade(
    tmp_path: Path,
) -> None:
    """2 of 3 IDs fail the check digit (a typo, Excel's 1.1E+17): the column is still
    CN_RESIDENT_ID, the valid one is masked in `customers list` and findable."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "ids.csv",
        [
            ["姓名", "身份证号"],
            ["张伟", VALID_ID],
            ["李娜", TYPO_ID],
            ["王芳", "1.1E+17"],
        ],
    )
    scan = cli("scan", str(path), "--json")
    column = scan.json()["columns"][1]
    assert (column["kind"], column["entity"]) == ("pii", "CN_RESIDENT_ID")
    assert round(column["valid_ratio"], 2) == 0.33
    assert "1.1E+17" in column["hint"]
    report = _import(home, path, "--on-invalid", "flag")
    assert report["new"] == 3 and report["flagged"] == 2
    assert [c["entity"] for c in report["columns"]] == ["PERSON", "CN_RESIDENT_ID"]
    listed = _listed(home)
    assert VALID_ID not in listed and TYPO_ID not in listed and "1.1E+17" not in listed
    found = cli(
        "customers", "find", "--id-number", VALID_ID, "--home", str(home), "--json"
    )
    assert len(found.json()) == 1


def test_wechat_qq_and_emergency_contact_columns_are_masked_personal_data(
    tmp_path: Path,
) -> None:
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "social.csv",
        [
            ["姓名", "手机号", "微信号", "QQ", "紧急联系人"],
            ["张伟", "13812345678", "wxid_zhangwei88", "123456789", "李雷 13912345678"],
        ],
    )
    report = _import(home, path)
    kinds = {c["header"]: (c["kind"], c["entity"]) for c in report["columns"]}
    assert kinds["微信号"] == ("pii", "WECHAT_ID")
    assert kinds["QQ"] == ("pii", "QQ_NUMBER")
    assert kinds["紧急联系人"] == ("pii", "EMERGENCY_CONTACT")
    shown = cli("customers", "show", "1", "--home", str(home), "--json").json()
    text = json.dumps(shown, ensure_ascii=False)
    for secret in ("wxid_zhangwei88", "123456789", "李雷", "13912345678"):
        assert secret not in text, secret


def test_mixed_contact_column_is_a_phone_field_never_customer_name(
    tmp_path: Path,
) -> None:
    """联系方式 with mobiles and landlines: field key `phone`, letters never say
    "尊敬的021-…"."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "contact.csv",
        [
            ["姓名", "联系方式"],
            ["张伟", "13812345678"],
            ["李娜", "021-62345678"],
            ["王芳", "13912345678"],
            ["赵敏", "010-82345678"],
        ],
    )
    report = _import(home, path)
    fields = {c["header"]: c["field"] for c in report["columns"]}
    assert fields["联系方式"] == "phone"
    assert "customer_name" not in fields.values()
    views = json.loads(_listed(home))
    assert all("021-62345678" not in json.dumps(v) for v in views)
    found = cli(
        "customers", "find", "--phone", "021-62345678", "--home", str(home), "--json"
    )
    assert len(found.json()) == 1


def test_unclaimed_column_is_unreviewed_personal_data_not_business(
    tmp_path: Path,
) -> None:
    """A column no recognizer claims and with no business evidence is stored as
    UNREVIEWED personal data, fully masked; amounts and 男/女 stay business data."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "other.csv",
        [
            ["姓名", "手机号", "其他", "性别", "实付金额"],
            ["张伟", "13812345678", "zw_private_handle", "男", "38.50"],
            ["李娜", "13912345678", "ln-handle-2", "女", "1,200.00"],
        ],
    )
    report = _import(home, path)
    kinds = {c["header"]: (c["kind"], c["entity"]) for c in report["columns"]}
    assert kinds["其他"] == ("pii", "UNREVIEWED")
    assert kinds["性别"][0] == "non_pii" and kinds["实付金额"][0] == "non_pii"
    listed = cli("customers", "show", "1", "--home", str(home), "--json").json()
    assert "zw_private_handle" not in json.dumps(listed)


def test_masked_view_never_prints_what_a_recognizer_finds(tmp_path: Path) -> None:
    """A business-headed column that turns out to hold a phone still prints masked."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "biz.csv",
        [
            ["姓名", "手机号", "订单状态"],
            ["张伟", "13812345678", "已完成"],
            ["李娜", "13912345678", "13700001111"],
        ],
    )
    _import(home, path)
    assert "13700001111" not in _listed(home)
    shown = cli("customers", "show", "2", "--home", str(home), "--json").out
    assert "13700001111" not in shown


def test_mixed_contact_cells_get_field_keys_of_their_own(tmp_path: Path) -> None:
    """Issue 12.5: phones, landlines and e-mail in one 联系方式 column are labelled per
    cell and stored under mobile / landline / email, each masked and findable."""
    home = new_vault(tmp_path)
    path = write_csv(
        tmp_path / "contact3.csv",
        [
            ["姓名", "联系方式"],
            ["张伟", "13812345678"],
            ["李娜", "021-62345678"],
            ["王芳", "wangfang@example.cn"],
            ["赵敏", "13912345678"],
            ["孙丽", "13712345678"],
        ],
    )
    report = _import(home, path)
    assert report["flagged"] == 0
    keys = {
        i: sorted(
            cli("customers", "show", str(i), "--home", str(home), "--json").json()[
                "fields"
            ]
        )
        for i in (1, 2, 3)
    }
    assert keys == {
        1: ["mobile", "name"],
        2: ["landline", "name"],
        3: ["email", "name"],
    }
    found = cli(
        "customers",
        "find",
        "--email",
        "wangfang@example.cn",
        "--home",
        str(home),
        "--json",
    )
    assert [c["id"] for c in found.json()] == [3]
    assert "wangfang@example.cn" not in _listed(home)
