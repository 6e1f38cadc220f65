"""Sharing and cross-border through the CLI, in-process as the server runs it (R-23-1,
R-38-1, R-39-1, R-XB-1, R-XB-3, R-55-4, R-NDS-12-1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from piplvault.crypto import envelope
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests.transfer.small import USCC, cli, clock_at, fails, keys, vault

FOREIGN = "HRB-123456"


def _setup(tmp_path: Path) -> tuple[Path, tuple[str, str], dict[str, Path]]:
    home = tmp_path / "seller"
    h = vault(home, customers=True)
    vault(tmp_path / "buyer")
    return home, h, keys(tmp_path / "buyer", tmp_path / "keys")


def _add(h: tuple[str, str], k: dict[str, Path], *extra: str) -> Any:
    return cli(
        "recipients", "add", "--name", "示例物流有限公司", "--contact", "010-66668888",
        "--contract", "HT-2026-001", "--purposes", "contract",
        "--exchange-key", k["exchange"], "--signing-key", k["public"], *extra, *h,
    )  # fmt: skip


def _grant(h: tuple[str, str], cid: int, *flags: str) -> None:
    args = [a for f in flags for a in ("--separate", f)]
    cli("consents", "grant", str(cid), "--purpose", "contract", *args, *h)


def _open(tmp_path: Path, package: Path, seller: Path) -> dict[str, Any]:
    buyer = Vault.open(load_settings({"home": tmp_path / "buyer"}))
    sender = Vault.open(load_settings({"home": seller}))
    try:
        opened = envelope.open_envelope(
            package.read_bytes(),
            recipient=buyer.keyring.exchange_key,
            sender=sender.keyring.signing_key.public_key(),
        )
    finally:
        buyer.close()
        sender.close()
    return dict(json.loads(opened.payload))


def test_export_needs_separate_consent_naming_the_recipient_R_23_1(
    tmp_path: Path,
) -> None:
    home, h, k = _setup(tmp_path)
    added = _add(
        h, k, "--identifier", USCC, "--fields", "name,mobile,address,bank_card"
    )
    assert (added["id"], added["abroad"]) == ("R-0001", False)
    assert set(added["pinned"]) == {"signing_fingerprint", "exchange_fingerprint"}
    out = tmp_path / "share.pvpkg"
    assert "No customer has a separate consent" in fails(
        "share", "export", "R-0001", "--purpose", "contract", "--out", out, *h
    )
    _grant(h, 1, f"third-party:{USCC}")
    _grant(h, 2, "third-party:91350200MA00000000")  # names someone else
    refused = fails(
        "share", "export", "R-0001", "--purpose", "contract", "--customers", "1,2",
        "--out", out, *h,
    )  # fmt: skip
    assert "Customer 2" in refused and f"third-party:{USCC}" in refused
    assert not out.exists()
    got = cli("share", "export", "R-0001", "--purpose", "contract", "--out", out, *h)
    assert (got["customers"], got["cross_border"]) == (1, False)
    # minimised: bank_card is registered but not a 'contract' category (financial)
    assert got["fields"] == ["address", "mobile", "name"]
    raw = out.read_bytes()
    assert "张健".encode() not in raw and b"13411641045" not in raw
    payload = _open(tmp_path, out, home)
    assert [c["id"] for c in payload["customers"]] == [1]
    assert payload["customers"][0]["fields"]["name"] == "张健"
    assert set(payload["customers"][0]["fields"]) == {"address", "mobile", "name"}
    for path in home.rglob("*"):  # the export log holds ids, never values (R-51-3)
        if path.is_file():
            assert "张健".encode() not in path.read_bytes(), path
    shown = cli("recipients", "show", "R-0001", *h)
    assert len(shown["exports"]) == 1 and shown["exports"][0]["customers"] == 1
    log = cli("audit", "log", *h)
    done = [
        e for e in log if e["action"] == "share-export" and e["outcome"] == "denied"
    ]
    assert done, "the refused export is audited"
    ok = [e for e in log if e["action"] == "share-exported"]
    assert ok[0]["details"]["customer_ids"] == [1]
    # a withdrawn consent stops the next export at once
    cli("consents", "withdraw", "1", "--purpose", "contract", *h)
    assert "Customer 1" in fails(
        "share", "export", "R-0001", "--purpose", "contract", "--customers", "1",
        "--out", out, *h,
    )  # fmt: skip


def test_register_rules(tmp_path: Path) -> None:
    _home, h, k = _setup(tmp_path)
    assert "unified social credit code" in fails(
        "recipients", "add", "--name", "x", "--identifier", "123", "--contact", "c",
        "--contract", "k", "--purposes", "contract", "--fields", "name",
        "--exchange-key", k["exchange"], *h,
    )  # fmt: skip
    assert "Unknown field" in fails(*_argv(k, USCC, "religion"), *h)
    assert "only for a recipient abroad" in fails(
        *_argv(k, USCC, "name"), "--mechanism", "exemption", "--mechanism-ref", "x", *h
    )
    _add(h, k, "--identifier", USCC, "--fields", "name")
    assert "already" in fails(*_argv(k, USCC, "name"), *h)
    assert "not registered" in fails(
        "share", "export", "R-0001", "--purpose", "marketing", "--out",
        tmp_path / "o", *h,
    )  # fmt: skip
    listed = cli("recipients", "list", *h)
    assert [r["id"] for r in listed] == ["R-0001"]


def _argv(k: dict[str, Path], identifier: str, fields: str) -> list[str | Path]:
    return [
        "recipients", "add", "--name", "某公司", "--identifier", identifier,
        "--contact", "c", "--contract", "k", "--purposes", "contract",
        "--fields", fields, "--exchange-key", k["exchange"],
    ]  # fmt: skip


def test_cross_border_volume_and_mechanism_R_XB_1_R_38_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With thresholds 2/3/2: one person abroad needs nothing; the second needs a
    standard contract or certification (and its PIPIA); the third an assessment; an
    expired assessment blocks; an exemption covers any volume."""
    monkeypatch.setenv("PIPLVAULT_CROSSBORDER_THRESHOLDS", "2,3,2")
    _home, h, k = _setup(tmp_path)
    added = _add(
        h, k, "--identifier", FOREIGN, "--country", "DE", "--fields", "name,mobile"
    )
    assert added["abroad"] is True
    for cid in (1, 2, 3):
        _grant(h, cid, f"third-party:{FOREIGN}")
    out = tmp_path / "abroad.pvpkg"

    def export(cid: int) -> Any:
        return cli(
            "share", "export", "R-0001", "--purpose", "contract", "--customers",
            str(cid), "--out", out, *h,
        )  # fmt: skip

    def refused(cid: int) -> str:
        return fails(
            "share", "export", "R-0001", "--purpose", "contract", "--customers",
            str(cid), "--out", out, *h,
        )  # fmt: skip

    assert f"cross-border:{FOREIGN}" in refused(1)  # Art. 39 separate consent
    for cid in (1, 2, 3):
        _grant(h, cid, f"third-party:{FOREIGN}", f"cross-border:{FOREIGN}")
    first = export(1)
    assert first["volume"]["persons"] == 1 and first["volume"]["needs"] == "none"
    assert "contract-or-certification" in refused(2)
    cli(
        "recipients", "mechanism", "R-0001", "--mechanism", "standard-contract",
        "--mechanism-ref", "沪SCC-2026-0001", *h,
    )  # fmt: skip
    assert "PIPIA" in refused(2)
    cli(
        "recipients", "mechanism", "R-0001", "--mechanism", "standard-contract",
        "--mechanism-ref", "沪SCC-2026-0001", "--pipia", "PIA-2026-07", *h,
    )  # fmt: skip
    assert export(2)["volume"]["persons"] == 2
    assert export(1)["volume"]["persons"] == 2  # the same person counts once a year
    assert "security-assessment" in refused(3)
    cli(
        "recipients", "mechanism", "R-0001", "--mechanism", "security-assessment",
        "--mechanism-ref", "国网信安评〔2025〕1号", "--mechanism-expires", "2026-01-31",
        "--pipia", "PIA-2026-07", *h,
    )  # fmt: skip
    assert "expired" in refused(3)
    cli(
        "recipients", "mechanism", "R-0001", "--mechanism", "exemption",
        "--mechanism-ref", "订立、履行个人作为一方当事人的合同所必需", *h,
    )  # fmt: skip
    assert export(3)["volume"]["persons"] == 3
    status = cli("share", "abroad", *h)
    assert (status["persons"], status["sensitive_persons"]) == (3, 0)
    assert status["needs"] == "security-assessment"
    assert status["rules"]["source"].startswith("Cross-border Provisions")
    with clock_at(monkeypatch, "2027-01-02"):  # counted from 1 January (R-XB-1)
        assert cli("share", "abroad", *h)["persons"] == 0


def test_sensitive_subjects_abroad_need_a_mechanism_R_XB_1(tmp_path: Path) -> None:
    """One person's sensitive PI (the ID number) abroad already needs a contract."""
    _home, h, k = _setup(tmp_path)
    _add(h, k, "--identifier", FOREIGN, "--country", "US", "--fields", "name,id_number")
    _grant(h, 1, f"third-party:{FOREIGN}", f"cross-border:{FOREIGN}", "sensitive")
    refused = fails(
        "share", "export", "R-0001", "--purpose", "contract", "--customers", "1",
        "--out", tmp_path / "o", *h,
    )  # fmt: skip
    assert "1 with sensitive PI" in refused and "contract-or-certification" in refused
