"""Issue 13 items 15 and 16 through the real CLI (smallest company, in-process clock):
simplified (Company Law Art. 240) and forced (Art. 241) routes, the Art. 236(3) gate, and
copies outside the vault inventoried and destroyed before the shred (R-CO-232-1, R-47-1)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.transfer.small import ROWS, cli, clock_at, fails, keys

CUSTODIAN = (
    *("--name", "某档案管理有限公司", "--identifier", "91110000600037341L"),
    *("--contact", "010-12345678", "--type", "agency"),
)


def _company(tmp_path: Path) -> tuple[str, str]:
    home = tmp_path / "co"
    cli("init", home)
    source = tmp_path / "c.csv"
    source.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    cli("import", source, "--home", home)
    return ("--home", str(home))


def test_forced_and_simplified_routes_need_their_conditions(tmp_path: Path) -> None:
    h = _company(tmp_path)
    start = (
        "deregister",
        "start",
        "--reason",
        "解散",
        "--resolution-date",
        "2026-12-01",
    )
    assert "at least 90 days" in fails(
        *start, "--effective-date", "2027-01-31", "--route", "forced", *h
    )
    assert "signed by all shareholders" in fails(
        *start, "--effective-date", "2027-01-31", "--route", "simplified", *h
    )
    st = cli(*start, "--effective-date", "2027-03-31", "--route", "forced", *h)
    assert st["route"] == {"route": "forced"}
    assert any("第二百四十一条" in m["source"] for m in st["timeline"])
    assert any("第二百三十八条" in n for n in st["notes"])
    source = tmp_path / "more.csv"
    source.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    assert "Company Law Art. 236(3)" in fails("import", source, *h)


def test_simplified_route_blocked_by_open_balances_and_outside_copies_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = _company(tmp_path)
    effective = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    cli(
        "deregister", "start", "--reason", "解散", "--effective-date", effective,
        "--route", "simplified", "--shareholder-commitment", "全体股东承诺书 2026-11-01", *h,
    )  # fmt: skip
    cli("deregister", "creditor", "D-0001", "--customer", "2", *h)  # a prepaid balance
    st = cli("deregister", "status", "D-0001", *h)
    assert st["route_blockers"] and "Art. 240" in st["route_blockers"][0]
    copy = cli(
        "deregister", "outside-copy", "D-0001", "--where", "usb", "--holder", "销售部",
        "--description", "2024年客户名单导出", *h,
    )  # fmt: skip
    assert copy["item"] == 1
    custodian = tmp_path / "cust"
    cli("init", custodian)
    ck = keys(custodian, tmp_path / "k")
    cli(
        "deregister",
        "custodian",
        "D-0001",
        *CUSTODIAN,
        "--signing-key",
        ck["public"],
        *h,
    )
    cli("deregister", "notices", "D-0001", "--out", tmp_path / "n", *h)
    cli("deregister", "delivery", "D-0001", "--all", "--status", "delivered", *h)
    cli(
        "deregister", "package", "D-0001", "--custodian-key", ck["exchange"],
        "--out", tmp_path / "p.pvpkg", *h,
    )  # fmt: skip
    with clock_at(monkeypatch, effective):
        assert "Outside copy 1 of case D-0001 is not destroyed" in fails(
            "deregister", "shred", "D-0001", "--yes", *h
        )
        cli(
            "deregister", "outside-copy", "D-0001", "--item", "1", "--method", "物理粉碎",
            "--witness", "法务部", *h,
        )  # fmt: skip
        assert "simplified deregistration is only for a company without debts" in fails(
            "deregister", "shred", "D-0001", "--yes", *h
        )
        cli("deregister", "creditor", "D-0001", "--customer", "2", "--settled", *h)
        shred = cli(
            "deregister", "shred", "D-0001", "--yes", "--out", tmp_path / "proof", *h
        )  # fmt: skip
    report = Path(shred["report"]["zh-CN"]).read_text(encoding="utf-8")
    assert "保险库外的个人信息副本" in report and "2024年客户名单导出" in report
    assert "物理粉碎" in report and "简易注销" in report
    assert "数字一致" in report  # 13.14: the report's counts agree with each other


def test_financial_institution_needs_aml_rule_and_designated_recipient_R_AML_34_1(
    tmp_path: Path,
) -> None:
    h = _company(tmp_path)
    cli("company", "set", "--sector", "financial-institution", *h)
    start = (
        "deregister",
        "start",
        "--reason",
        "解散",
        "--effective-date",
        "2027-03-31",
    )
    assert "aml-customer-identity" in fails(*start, *h)
    shipped = (
        Path(__file__).resolve().parents[2]
        / "src"
        / "piplvault"
        / "retention_rules.toml"
    ).read_text(encoding="utf-8")
    rules = shipped.replace(
        'note = "Financial institutions and specified non-financial institutions only '
        '(AML Law Art. 64)."\nenabled = false\n',
        "",
    )
    assert rules != shipped
    (Path(h[1]) / "retention.toml").write_text(rules, encoding="utf-8")
    cli(*start, *h)
    assert "R-AML-34-1" in fails("deregister", "custodian", "D-0001", *CUSTODIAN, *h)
    designated = [*CUSTODIAN[:-1], "designated"]
    assert "designating document" in fails(
        "deregister", "custodian", "D-0001", *designated, *h
    )
    st = cli(
        "deregister", "custodian", "D-0001", *designated,
        "--designation", "中国人民银行指定文件 2027-01", *h,
    )  # fmt: skip
    assert st["custodian"]["kind"] == "designated"
    assert st["custodian"]["designation"] == "中国人民银行指定文件 2027-01"
