"""Issue 13 items 11–14 and issue 10 item 1 (deregister seal) through the real CLI, with
the smallest company (3 customers) and an in-process clock.

R-47-2 / R-ACC-T-1: statutory records kept whole for their period, dated from an import
column; R-CO-232-1: a notified creditor has 30 days from receipt; R-47-1: nothing is shredded
before the date the letters promise; R-CO-I2-18-1: only the pinned custodian's receipt seals.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.transfer.small import ROWS, cli, clock_at, fails, keys, raw
from tests.transfer.test_pinned_keys import _forge

CUSTODIAN = (
    *("--name", "某档案管理有限公司", "--identifier", "91110000600037341L"),
    *("--contact", "010-12345678", "--type", "agency"),
)


def _company(tmp_path: Path) -> Path:
    home = tmp_path / "company"
    cli("init", home)
    dated = [ROWS[0] + ",交易日期"]
    dated += [ROWS[1] + ",2026-05-01", ROWS[2] + ",2026年6月1日", ROWS[3] + ","]
    source = tmp_path / "dated.csv"
    source.write_text("\n".join(dated) + "\n", encoding="utf-8")
    report = cli(
        "import", source, "--last-transaction-column", "交易日期", "--home", home
    )
    assert report["last_transactions"]["customers_dated"] == 2
    assert report["last_transactions"]["empty_cells"] == 1
    return home


def test_unknown_last_transaction_column_names_the_columns(tmp_path: Path) -> None:
    cli("init", tmp_path / "v")
    source = tmp_path / "a.csv"
    source.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    message = fails(
        "import", source, "--last-transaction-column", "日期", "--home", tmp_path / "v"
    )
    assert "'日期' is not a column" in message and "银行卡号" in message


def test_statutory_records_kept_whole_restricted_at_custodian_and_pinned_seal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _company(tmp_path)
    h = ("--home", home)
    today = dt.date.today()
    effective = (today + dt.timedelta(days=40)).isoformat()
    st = cli(
        "deregister", "start", "--reason", "股东会决议解散",
        "--effective-date", effective, *h,
    )  # fmt: skip
    kept = {c["customer_id"]: c for c in st["customers"] if c["must_keep"]}
    # R-47-2 (13.11): the 30-year accounting rule is on; the whole record is kept
    assert set(kept) == {1, 2}
    assert kept[1]["keep_until"] == "2057-01-01"
    assert "accounting-vouchers" in kept[1]["statute"]
    assert {"identity", "financial"} <= set(kept[1]["keep_categories"])
    assert "identity" not in kept[1]["destroy_categories"]
    # R-CO-232-1 (13.14): a notified creditor has 30 days from receiving the notice
    cli("deregister", "creditor", "D-0001", "--customer", "3", *h)
    custodian = tmp_path / "custodian"
    cli("init", custodian)
    ck = keys(custodian, tmp_path / "keys")
    cli(
        "deregister", "custodian", "D-0001", *CUSTODIAN,
        "--signing-key", ck["public"], "--exchange-key", ck["exchange"], *h,
    )  # fmt: skip
    cli("deregister", "notices", "D-0001", "--out", tmp_path / "n", *h)
    letters = (tmp_path / "n" / "letters.html").read_text(encoding="utf-8")
    assert "自接到本通知之日起三十日内" in letters and "加密擦除" in letters
    assert "密码擦除" not in letters
    receipt_day = (today + dt.timedelta(days=5)).isoformat()
    with clock_at(monkeypatch, receipt_day):
        cli("deregister", "delivery", "D-0001", "--all", "--status", "delivered", *h)
    st = cli("deregister", "status", "D-0001", *h)
    creditor = next(c for c in st["customers"] if c["customer_id"] == 3)
    assert creditor["keep_until"] == (today + dt.timedelta(days=35)).isoformat()
    cli("deregister", "creditor", "D-0001", "--customer", "3", "--settled", *h)
    packed = cli(
        "deregister", "package", "D-0001", "--custodian-key", ck["exchange"],
        "--out", tmp_path / "p.pvpkg", *h,
    )  # fmt: skip
    assert packed["pinned"] == cli("keys", "fingerprint", "--home", custodian)
    # R-47-1 (13.12): no shredding before the date the letters promise
    refused = fails(
        "deregister", "shred", "D-0001", "--yes", "--out", tmp_path / "proof", *h
    )  # fmt: skip
    assert f"until the effective date {effective}" in refused
    assert cli("status", *h)["customers"] == 3
    with clock_at(monkeypatch, effective):
        shred = cli(
            "deregister", "shred", "D-0001", "--yes", "--out", tmp_path / "proof", *h
        )  # fmt: skip
    certificate = json.loads(Path(shred["certificate"]).read_bytes())
    assert certificate["kind"] == "deregistration"
    assert (
        certificate["issuer"]["name"] == "示例商贸有限公司"
    )  # 13.9: the handler named
    assert "第四十七条第一款第（二）项" in certificate["why"]["legal_basis"][0]
    assert "加密擦除（销毁密钥" in certificate["how"]["method_zh"]
    # 13.13: at the custodian the records arrive restricted to the statute's readers
    sk = keys(home, tmp_path / "keys")
    got = cli("receive", tmp_path / "p.pvpkg", "--sender-key", sk["public"],
              "--home", custodian)  # fmt: skip
    c = ("--home", custodian)
    shown = cli("customers", "show", "1", "--reveal", "--purpose", "finance", *c)
    assert shown["status"] == "restricted" and "name" in shown["fields"]
    assert "retained only to meet a legal period" in fails(
        "customers", "show", "1", "--reveal", "--purpose", "contract", *c
    )
    # ATTACK 10.1 on the seal: a receipt re-signed by a fresh key seals nothing
    forged, fresh = _forge(Path(got["receipt"]), tmp_path)
    message = fails(
        "deregister", "seal", "D-0001", "--receipt", forged,
        "--custodian-signing-key", fresh, *h,
    )  # fmt: skip
    assert "not the custodian's key pinned" in message
    assert fails("deregister", "seal", "D-0001", "--receipt", forged, *h)
    assert cli("deregister", "status", "D-0001", *h)["vault_state"] == "winding-down"
    sealed = cli("deregister", "seal", "D-0001", "--receipt", got["receipt"], *h)
    assert sealed["vault_state"] == "sealed"
    assert raw("audit", "verify", *h)
