"""Open rights requests travel with the customers in a transfer package and are answered
by the recipient (R-22-2: the recipient receives every obligation; R-45-1 clock kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transfer.small import cli, create, keys, to_ready, vault


def test_transfer_package_carries_open_requests_R_22_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R-22-2, R-45-1: an open access request (who asked, its due date) is in the
    package's rights_requests section; a closed one is not; the buyer can fulfil it."""
    seller, buyer, out = tmp_path / "seller", tmp_path / "buyer", tmp_path / "out"
    s = vault(seller, customers=True)
    b = vault(buyer)
    opened = cli(
        "requests", "open", "2", "--type", "next-of-kin", "--wants", "access",
        "--channel", "letter", "--requester-name", "陈明", "--relationship", "child",
        "--death-evidence", "死亡证明 X1", "--interest", "处理遗产", *s,
    )  # fmt: skip
    closed = cli(
        "requests", "open", "1", "--type", "explanation", "--channel", "phone",
        "--identity", "sms-code", *s,
    )  # fmt: skip
    cli("requests", "fulfil", str(closed["id"]), "--out", out / "replies", *s)
    bk = keys(buyer, out)
    case = create(seller)["id"]
    to_ready(seller, case, out, monkeypatch)
    cli(
        "transfer", "package", case, "--recipient-key", bk["exchange"],
        "--recipient-signing-key", bk["public"], "--out", out / "p.pkg", *s,
    )  # fmt: skip
    sk = keys(seller, out)
    received = cli("receive", out / "p.pkg", "--sender-key", sk["public"], *b)
    assert received["rights_requests"] == 1
    listed = cli("requests", "list", *b)["requests"]
    assert len(listed) == 1
    inherited = listed[0]
    assert inherited["kind"] == "next-of-kin" and inherited["wants"] == "access"
    assert inherited["due_on"] == opened["due_on"]
    assert inherited["received_at"] == opened["received_at"]
    assert inherited["details"]["inherited"] == case
    shown = cli("requests", "show", str(inherited["id"]), *b)
    assert shown["requester"]["name"] == "陈明"
    cli("requests", "verify", str(inherited["id"]), "--identity", "in-person", *b)
    done = cli("requests", "fulfil", str(inherited["id"]), "--out", out / "b", *b)
    letter = Path(done["reply"]["files"]["letter_html"]).read_text(encoding="utf-8")
    assert "尊敬的陈明" in letter and "涉及已故的陈华" in letter
