"""The real ``piplvault`` command through a real ``piplvault serve`` (one end-to-end test):
open → verify → fulfil an access request; the reply reaches the client's --out directory
and nothing personal is left in plaintext in the vault directory (R-45-1, R-51-3)."""

from __future__ import annotations

import json
from pathlib import Path

from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests.conftest import TEST_ENV, run_piplvault
from tests.security.conftest import write_rows


def test_access_request_end_to_end_through_the_server(tmp_path: Path) -> None:
    """R-45-1, R-51-3, R-NDS-23-1: the copy and the letter are written where the operator
    asks, the request and who asked are stored encrypted, the audit chain verifies."""
    home = tmp_path / "vault"
    vault = Vault.create(load_settings({"home": home}, env=TEST_ENV))
    try:
        vault.import_table(open_table(write_rows(tmp_path / "c.csv", [1, 2, 3])))
    finally:
        vault.close()
    h = ("--home", str(home))

    def ok(*args: str) -> dict[str, object]:
        done = run_piplvault(*args, "--json", *h)
        assert done.returncode == 0, (args, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    opened = ok(
        "requests", "open", "1", "--type", "access", "--channel", "email",
        "--requester-name", "代理人王五", "--requester-contact", "wang@example.com",
    )  # fmt: skip
    assert opened["state"] == "received"
    ok("requests", "verify", str(opened["id"]), "--identity", "email-code")
    out = tmp_path / "replies"
    done = ok("requests", "fulfil", str(opened["id"]), "--out", str(out))
    assert done["state"] == "fulfilled"
    copy = json.loads(
        (out / f"R-{opened['id']}" / f"R-{opened['id']}.json").read_text()
    )
    assert {f["field"] for f in copy["fields"]} >= {"mobile", "id_number"}
    letter = (out / f"R-{opened['id']}" / f"R-{opened['id']}-letter.html").read_text()
    assert "尊敬的代理人王五" in letter
    mobile = next(f["value"] for f in copy["fields"] if f["field"] == "mobile")
    # nothing personal in plaintext in the vault directory (database, WAL, anchors)
    for file in home.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            for needle in (mobile, "代理人王五", "wang@example.com"):
                assert needle.encode() not in data, (file, needle)
    human = run_piplvault("requests", "list", "--all", *h)
    assert human.returncode == 0, human.stderr
    assert "R-1" in human.stdout and "15" in human.stdout
    verified = run_piplvault("audit", "verify", *h)
    assert verified.returncode == 0, verified.stderr
