"""Issue 10, attack 16 (the parts not about file parsing): clean one-line errors instead of
"Internal error", a read-only copy still verifies, policy.toml edits are audited."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from piplvault.crypto import envelope
from piplvault.crypto.signing import public_pem
from tests import rawdb
from tests.security.conftest import cli, open_home


@pytest.mark.parametrize(
    "args",
    [
        ["customers", "show", "99999999999999999999"],
        ["customers", "show", "0"],
        ["customers", "list", "--limit", "1e20"],
        ["customers", "list", "--limit", "-5"],
        ["customers", "list", "--limit", "100000000000000000000"],
        ["customers", "delete", "99999999999999999999", "--reason", "r"],
    ],
)
def test_attack_out_of_range_numbers_are_usage_errors(
    home: Path, args: list[str]
) -> None:
    result = cli(*args, "--home", str(home))
    assert result.exit_code == 2, result.output
    assert "Internal error" not in result.output


def test_attack_missing_audit_head_row(home: Path) -> None:
    with rawdb.connect(home) as db:
        db.execute("DELETE FROM audit_head")
    verify = cli("audit", "verify", "--home", str(home))
    assert verify.exit_code == 1 and "audit head row is missing" in verify.stderr
    listed = cli("customers", "list", "--home", str(home))
    assert listed.exit_code == 1 and listed.stderr.startswith("Error:")


def _package(
    home: Path, tmp_path: Path, payload: object, header: object = None
) -> tuple[Path, Path]:
    """A package to this vault from a fresh sender key (and that key's PEM file)."""
    vault = open_home(home)
    recipient = vault.keyring.exchange_key.public_key()
    vault.close()
    sender = Ed25519PrivateKey.generate()
    document = envelope.seal(
        json.dumps(payload).encode(), recipient=recipient, sender=sender, header={}
    )
    if header is not None:
        doc = json.loads(document)
        doc["header"] = header
        document = json.dumps(doc).encode()
    pkg, pem = tmp_path / "in.pkg", tmp_path / "sender.pem"
    pkg.write_bytes(document)
    pem.write_text(public_pem(sender))
    return pkg, pem


def test_attack_package_header_is_a_list(home: Path, tmp_path: Path) -> None:
    pkg, pem = _package(home, tmp_path, {}, header=["not", "a", "header"])
    result = cli("receive", str(pkg), "--sender-key", str(pem), "--home", str(home))
    assert result.exit_code == 1 and "Not a piplvault package" in result.stderr


def test_attack_package_case_id_is_a_path(home: Path, tmp_path: Path) -> None:
    from piplvault.vault.handover import SECTIONS

    payload = {s: [] for s in SECTIONS}
    payload["manifest"] = {"case_id": "../../escaped", "fields": [], "purposes": []}
    (tmp_path / "deep").mkdir()
    pkg, pem = _package(home, tmp_path / "deep", payload)
    result = cli("receive", str(pkg), "--sender-key", str(pem), "--home", str(home))
    assert result.exit_code == 1 and "not a case id" in result.stderr
    assert not list(tmp_path.parent.glob("receipt-*")) and not list(
        tmp_path.glob("*.json")
    )


def test_policy_file_edits_are_audited_and_removed_role_keeps_users_list(
    home: Path,
) -> None:
    policy = home / "policy.toml"
    policy.write_text(
        '[roles.call_center]\nlabel = "客服"\nactions = ["read-masked"]\n'
        'purposes = ["after-sales"]\nmax_grade = 2\ncategories = ["contact"]\n'
    )
    added = cli(
        "users", "add", "carol", "--role", "call_center", "--password-stdin",
        "--home", str(home), input="carol-口令-123456\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    policy.write_text(policy.read_text().replace("max_grade = 2", "max_grade = 4"))
    assert cli("customers", "list", "--home", str(home)).exit_code == 0
    policy.unlink()  # the custom role disappears
    listed = cli("users", "list", "--home", str(home), "--json")
    assert listed.exit_code == 0, listed.output
    roles = {u["name"]: u["role"] for u in json.loads(listed.stdout)}
    assert roles["carol"] == "call_center (undefined)"
    vault = open_home(home)
    try:
        changes = [
            e.details_dict()
            for e in vault.audit_entries()
            if e.action == "policy-file-changed"
        ]
    finally:
        vault.close()
    assert len(changes) == 3  # created, widened, removed
    assert changes[1]["sha256_before"] == changes[0]["sha256_after"]
    assert changes[2]["sha256_after"] == ""


@pytest.mark.sqlite_only(
    reason="a read-only copy of the SQLite file opens immutable; a PostgreSQL database "
    "is not a file the vault directory holds"
)
def test_attack_audit_verify_on_a_read_only_copy(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy the process may not write (read-only media, another user's files) opens
    read-only: ``audit verify`` works, and a command that must write fails cleanly."""
    from piplvault.store import engine

    assert cli("customers", "show", "1", "--home", str(home)).exit_code == 0
    copy = tmp_path / "ro"
    shutil.copytree(home, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    real_access = os.access
    monkeypatch.setattr(  # root may write anything: pretend to be an ordinary user
        engine.os, "access", lambda p, mode: mode != os.W_OK and real_access(p, mode)
    )
    verify = cli("audit", "verify", "--home", str(copy))
    assert verify.exit_code == 0, verify.output
    assert "Audit log intact" in verify.stdout
    write = cli("customers", "list", "--home", str(copy))
    assert write.exit_code == 1 and write.stderr.startswith("Error:")
    assert "Internal error" not in write.output
