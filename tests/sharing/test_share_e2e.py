"""Sharing end to end through the real ``piplvault`` command and a real server: the
recipient's key file is uploaded and pinned, the package comes back to the client, sealed
to that key; an overseas export without a mechanism is refused (R-23-1, R-38-1, R-XB-1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from piplvault.crypto import envelope
from tests.conftest import run_piplvault
from tests.transfer.small import ROWS, USCC


def pv(*args: str) -> Any:
    result = run_piplvault(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_share_export_through_the_server(tmp_path: Path) -> None:
    seller, buyer = str(tmp_path / "s"), str(tmp_path / "b")
    for home in (seller, buyer):
        assert run_piplvault("init", home).returncode == 0
    h = ("--home", seller)
    data = tmp_path / "customers.csv"
    data.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    pv("import", str(data), *h)
    key = run_piplvault("keys", "exchange", "--home", buyer)
    assert key.returncode == 0, key.stderr
    pem = tmp_path / "buyer.exchange.pem"
    pem.write_text(key.stdout, encoding="ascii")
    added = pv(
        "recipients", "add", "--name", "示例物流有限公司", "--identifier", USCC,
        "--contact", "010-66668888", "--contract", "HT-1", "--purposes", "contract",
        "--fields", "name,mobile", "--exchange-key", str(pem), *h,
    )  # fmt: skip
    pv("consents", "grant", "3", "--purpose", "contract", "--separate",
       f"third-party:{USCC}", *h)  # fmt: skip
    out = tmp_path / "to-logistics.pvpkg"
    got = pv(
        "share", "export", "R-0001", "--purpose", "contract", "--out", str(out), *h
    )
    assert got["customers"] == 1 and out.is_file()
    header = envelope.read_header(out.read_bytes())
    fingerprint = added["pinned"]["exchange_fingerprint"].replace(" ", "")
    assert header["recipient_fingerprint"] == fingerprint
    assert "李娜".encode() not in out.read_bytes()
    abroad = pv(
        "recipients", "add", "--name", "Example GmbH", "--identifier", "HRB-1",
        "--country", "DE", "--contact", "+49 30 000", "--contract", "DPA-1",
        "--purposes", "contract", "--fields", "name,id_number", "--exchange-key",
        str(pem), *h,
    )  # fmt: skip
    assert abroad["abroad"] is True
    pv("consents", "grant", "3", "--purpose", "contract", "--separate",
       "third-party:HRB-1", "--separate", "cross-border:HRB-1", "--separate",
       "sensitive", *h)  # fmt: skip
    refused = run_piplvault(
        "share", "export", "R-0002", "--purpose", "contract", "--out",
        str(tmp_path / "abroad.pvpkg"), *h,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "contract-or-certification" in refused.stderr
    assert not (tmp_path / "abroad.pvpkg").exists()
