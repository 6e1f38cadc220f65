"""Issue 10 item 1 (forged receipts) and item 13 (SIGKILL during ``transfer complete``),
issue 13 item 3 (canonical package bytes) — through the real CLI, with the smallest case.

Attack: the operator (or whoever gets to the shell) supplies a receipt signed by a freshly
generated Ed25519 key, together with that key. Before the fix this shredded every source
customer. The recipient's key is now pinned on the case; only its signature completes it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests import pgswitch
from tests.conftest import OWNER_PASSWORD, cli_env
from tests.fast import suite_env
from tests.transfer.small import cli, create, fails, keys, raw, to_ready, vault


@pytest.fixture(scope="module")
def handed_over_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Seller (3 customers) → package for the buyer (keys pinned) → buyer's receipt,
    built once per module; each test gets its own copy (``handed_over``)."""
    base = tmp_path_factory.mktemp("handed-over")
    seller, buyer, out = base / "seller", base / "buyer", base / "out"
    with suite_env() as monkeypatch:
        vault(seller, customers=True)
        vault(buyer)
        bk = keys(buyer, out)
        case = create(seller)["id"]
        to_ready(seller, case, out, monkeypatch)
        package = cli(
            "transfer", "package", case, "--recipient-key", bk["exchange"],
            "--recipient-signing-key", bk["public"], "--out", out / "p.pkg",
            "--home", seller,
        )  # fmt: skip
        sk = keys(seller, out)
        received = cli(
            "receive", out / "p.pkg", "--sender-key", sk["public"], "--home", buyer
        )
    return {"base": base, "case": case, "package": package,
            "receipt": Path(received["receipt"])}  # fmt: skip


@pytest.fixture
def handed_over(handed_over_template: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """This test's own copy of the seller, the buyer and the files between them."""
    t = handed_over_template
    base = Path(shutil.copytree(t["base"], tmp_path / "deal"))
    for party in ("seller", "buyer"):  # PostgreSQL pass: each copy its own database
        pgswitch.copy_database(base / party)
    out = base / "out"
    return {
        "seller": base / "seller", "buyer": base / "buyer", "out": out,
        "case": t["case"], "package": t["package"],
        "receipt": base / t["receipt"].relative_to(t["base"]),
        "buyer_keys": {kind: out / f"buyer.{kind}.pem" for kind in ("public", "exchange")},
    }  # fmt: skip


def _forge(receipt: Path, out: Path) -> tuple[Path, Path]:
    """A receipt with the genuine body re-signed by a fresh key, and that key's PEM."""
    body = json.loads(receipt.read_bytes())["receipt"]
    fresh = Ed25519PrivateKey.generate()
    body["recipient_signing_fingerprint"] = "0" * 32
    signed = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    forged = out / "forged-receipt.json"
    forged.write_text(
        json.dumps(
            {
                "receipt": body,
                "signature": base64.b64encode(fresh.sign(signed.encode())).decode(),
            }
        ),
        encoding="utf-8",
    )
    pem = out / "fresh.pem"
    pem.write_bytes(
        fresh.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return forged, pem


def test_forged_receipt_signed_by_fresh_key_destroys_nothing_attack_10_1(
    handed_over: dict[str, Any],
) -> None:
    """ATTACK 10.1: `transfer complete --receipt FORGED --recipient-signing-key FRESH`."""
    h = handed_over
    s = ("--home", h["seller"])
    forged, fresh = _forge(h["receipt"], h["out"])
    with_key = fails(
        "transfer", "complete", "--yes", h["case"], "--receipt", forged,
        "--recipient-signing-key", fresh, *s,
    )  # fmt: skip
    assert "not the recipient's key pinned on case" in with_key
    assert "nothing was destroyed" in with_key
    without_key = fails(
        "transfer", "complete", "--yes", h["case"], "--receipt", forged, *s
    )
    assert "not signed by the recipient's key pinned" in without_key
    assert cli("status", *s)["customers"] == 3
    assert cli("transfer", "status", h["case"], *s)["state"] == "handed-over"
    denied = [e for e in cli("audit", "log", *s) if e["outcome"] == "denied"]
    assert any(e["action"] == "transfer-complete" for e in denied)
    # issue 14.5: a script that forgets --yes destroys nothing, even with the genuine receipt
    unconfirmed = fails(
        "transfer", "complete", h["case"], "--receipt", h["receipt"], *s
    )
    assert "destructive command without confirmation" in unconfirmed
    assert cli("status", *s)["customers"] == 3
    # the genuine receipt, signed by the pinned key, completes the case
    done = cli(
        "transfer", "complete", "--yes", h["case"], "--receipt", h["receipt"], *s
    )
    assert done["customers_destroyed"] == 3


def test_receipt_must_name_package_case_and_count_attack_10_1(
    handed_over: dict[str, Any],
) -> None:
    """A receipt the pinned recipient signed for another package/count is refused."""
    h = handed_over
    s = ("--home", h["seller"])
    doc = json.loads(h["receipt"].read_bytes())
    doc["receipt"]["customers"] = 2
    edited = h["out"] / "edited.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    assert "not signed by the recipient's key pinned" in fails(
        "transfer", "complete", "--yes", h["case"], "--receipt", edited, *s
    )
    assert cli("status", *s)["customers"] == 3


def test_pinned_fingerprints_are_shown_to_confirm_out_of_band(
    handed_over: dict[str, Any],
) -> None:
    h = handed_over
    status = cli("transfer", "status", h["case"], "--home", h["seller"])
    own = cli("keys", "fingerprint", "--home", h["buyer"])
    assert status["pinned"] == own == h["package"]["pinned"]
    assert "signing_key" not in status["party"]  # the PEM is kept, not printed


def test_package_to_another_exchange_key_than_pinned_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller, buyer, other, out = (tmp_path / n for n in ("s", "b", "o", "out"))
    vault(seller, customers=True)
    vault(buyer)
    vault(other)
    bk, ok = keys(buyer, out), keys(other, out)
    case = create(
        seller, "--recipient-signing-key", str(bk["public"]),
        "--recipient-key", str(bk["exchange"]),
    )["id"]  # fmt: skip
    assert (
        case
        and "signing_fingerprint"
        in cli("transfer", "status", case, "--home", seller)["pinned"]
    )
    to_ready(seller, case, out, monkeypatch)
    refused = fails(
        "transfer", "package", case, "--recipient-key", ok["exchange"],
        "--out", out / "x.pkg", "--home", seller,
    )  # fmt: skip
    assert "not the key pinned on the case" in refused
    assert not (out / "x.pkg").exists()
    refused = fails(
        "transfer", "package", case, "--recipient-key", bk["exchange"],
        "--recipient-signing-key", ok["public"], "--out", out / "x.pkg", "--home", seller,
    )  # fmt: skip
    assert "not the key pinned on the case" in refused


def test_package_without_a_pinned_signing_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seller, buyer, out = tmp_path / "s", tmp_path / "b", tmp_path / "out"
    vault(seller, customers=True)
    vault(buyer)
    bk = keys(buyer, out)
    case = create(seller)["id"]
    to_ready(seller, case, out, monkeypatch)
    assert "signing key is not pinned" in fails(
        "transfer", "package", case, "--recipient-key", bk["exchange"],
        "--out", out / "x.pkg", "--home", seller,
    )  # fmt: skip


def test_sigkill_after_certificate_commit_is_resumable_10_13(
    handed_over: dict[str, Any],
) -> None:
    """SIGKILL right after the destruction committed, before the certificate file was
    written: the case is not stuck; `transfer complete` again finishes it."""
    h = handed_over
    kill_at_file_write = (
        "import os, signal, sys\n"
        "from piplvault.vault import shred_run\n"
        "def die(*a, **k):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "shred_run.write_certificate_files = die\n"
        "from piplvault.cli.app import main\n"
        "sys.argv = ['piplvault', *sys.argv[1:]]\n"
        "main()\n"
    )
    args = ["transfer", "complete", "--yes", h["case"], "--receipt", str(h["receipt"]),
            "--home", str(h["seller"])]  # fmt: skip
    # The process that holds the keys and writes is the server: it is the one killed.
    sock = Path(tempfile.mkdtemp(prefix="pvk-", dir="/tmp")) / "s.sock"
    server = subprocess.Popen(
        [sys.executable, "-c", kill_at_file_write, "serve", "--home", str(h["seller"]),
         "--socket", str(sock)],
        env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert server.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    client = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    client.update(PIPLVAULT_URL=f"unix://{sock}", PIPLVAULT_PASSWORD=OWNER_PASSWORD)
    killed = subprocess.run(
        [sys.executable, "-m", "piplvault", *args],
        env=client, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert server.wait(timeout=60) == -signal.SIGKILL
    assert killed.returncode == 1, killed.stderr
    s = ("--home", h["seller"])
    assert cli("status", *s)["customers"] == 0
    assert cli("transfer", "status", h["case"], *s)["state"] == "source-destroyed"
    again = cli(
        "transfer", "complete", "--yes", h["case"], "--receipt", h["receipt"], *s
    )
    assert again["already_completed"] is True and again["customers_destroyed"] == 0
    certificate = Path(again["certificate"])
    assert certificate.is_file()
    assert json.loads(certificate.read_bytes())["kind"] == "transfer-completion"
    # and a third run is a no-op too
    assert cli(
        "transfer", "complete", "--yes", h["case"], "--receipt", h["receipt"], *s
    )["certificate"] == str(certificate)
    assert raw("audit", "verify", *s)
    assert os.path.exists(h["receipt"])


def test_whitespace_edited_package_is_refused_before_import_13_3(
    handed_over: dict[str, Any], tmp_path: Path
) -> None:
    h = handed_over
    other = tmp_path / "other"
    vault(other)
    original = (h["out"] / "p.pkg").read_bytes()
    edited = tmp_path / "edited.pkg"
    edited.write_bytes(original.replace(b'\n "ciphertext"', b'\n  "ciphertext"', 1))
    assert edited.read_bytes() != original
    sk = h["out"] / "seller.public.pem"
    message = fails("receive", edited, "--sender-key", sk, "--home", h["buyer"])
    assert "edited after it was signed" in message
    assert not list(tmp_path.glob("receipt-*"))
