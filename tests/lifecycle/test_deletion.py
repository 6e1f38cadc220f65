"""Crypto-shred deletion, destruction certificates, residue sweeps (R-47-1, R-47-3, R-51-3,
reliability plan S1)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from piplvault.errors import NotFoundError
from piplvault.store.schema import blind_index, customer_keys, shred_journal
from piplvault.vault import backups, destruction
from tests.conftest import cli_env, run_piplvault
from tests.lifecycle.conftest import encodings, open_home, sweep


def _plaintexts(home: Path, ids: list[int]) -> list[str]:
    vault = open_home(home)
    try:
        values = []
        for cid in ids:
            view = vault.show_customer(cid, reveal=True, purpose="contract")
            values += [f.value for f in view.fields.values() if len(f.value) >= 8]
    finally:
        vault.close()
    return values


def _key_material(home: Path, ids: list[int]) -> list[bytes]:
    vault = open_home(home)
    try:
        with vault.read() as conn:
            deks = [
                bytes(b)
                for b in conn.execute(
                    select(customer_keys.c.wrapped).where(
                        customer_keys.c.customer_id.in_(ids)
                    )
                ).scalars()
            ]
            tags = [
                bytes(t)
                for t in conn.execute(
                    select(blind_index.c.tag).where(blind_index.c.customer_id.in_(ids))
                ).scalars()
            ]
            # A tag another customer shares (same name) legitimately stays.
            shared = {
                bytes(t)
                for t in conn.execute(
                    select(blind_index.c.tag).where(
                        blind_index.c.customer_id.not_in(ids)
                    )
                ).scalars()
            }
            tags = [t for t in tags if t not in shared]
    finally:
        vault.close()
    return deks + tags


def test_delete_prints_certificate_that_verifies_offline_R_47_3(
    home: Path, tmp_path: Path
) -> None:
    """R-47-3 / R-47-1: `customers delete` shreds, prints the certificate path; the
    certificate verifies offline with only the public key and fails on any edited byte."""
    done = run_piplvault(
        "customers",
        "delete",
        "7",
        "--reason",
        "erasure request 2026-001",
        "--approved-by",
        "合规负责人",
        "--yes",
        "--home",
        str(home),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    cert = Path(result["certificate"])
    assert cert.is_file() and result["customers_destroyed"] == 1
    for html in result["html"].values():
        assert Path(html).is_file()
    assert "个人信息销毁证明" in Path(result["html"]["zh-CN"]).read_text(
        encoding="utf-8"
    )
    pub = run_piplvault("keys", "public", "--home", str(home))
    assert pub.returncode == 0 and pub.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "vault.pub"
    key.write_text(pub.stdout)

    offline = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    ok = run_piplvault(
        "certificate", "verify", str(cert), "--public-key", str(key), env=offline
    )
    assert ok.returncode == 0, ok.stderr
    doc = json.loads(cert.read_text(encoding="utf-8"))
    assert doc["who"] == {"performed_by": "owner", "approved_by": "合规负责人"}
    assert doc["what"]["customers_destroyed"] == 1
    assert len(doc["what"]["pseudonymous_ids"]["destroyed"][0]) == 32
    assert "NIST SP 800-88" in doc["how"]["method"]
    assert len(doc["audit"]["head_hash"]) == 64

    data = cert.read_bytes()
    for i, edited in enumerate(
        (
            data.replace(b'"customers_destroyed":1', b'"customers_destroyed":2'),
            data.replace(b'{"audit"', b'{ "audit"'),  # whitespace only
            data[:-40] + b"\n",
        )
    ):
        bad = tmp_path / f"bad{i}.json"
        bad.write_bytes(edited)
        refused = run_piplvault(
            "certificate", "verify", str(bad), "--public-key", str(key), env=offline
        )
        assert refused.returncode == 1, i
        assert "INVALID" in refused.stderr


def test_delete_unknown_and_twice_are_typed_errors_R_47_3(home: Path) -> None:
    vault = open_home(home)
    try:
        destruction.delete_customer(vault, 9, reason="request")
        for cid, message in ((9, "already shredded"), (999, "No customer with id 999")):
            try:
                destruction.delete_customer(vault, cid, reason="request")
            except NotFoundError as exc:
                assert message in exc.message
            else:
                raise AssertionError("deletion of a missing customer must fail")
    finally:
        vault.close()


def test_shred_leaves_no_plaintext_keys_or_tags_S1_R_51_3(
    home: Path, tmp_path: Path
) -> None:
    """S1: after shredding, neither plaintext, wrapped DEK bytes nor blind tags of the
    deleted customers are in the vault directory (DB, WAL) or in a backup made before."""
    ids = list(range(20, 40))
    plain = _plaintexts(home, ids)
    material = _key_material(home, ids)
    assert plain and material
    vault = open_home(home)
    try:
        before = backups.create_backup(vault, tmp_path / "bk").path
        result = destruction.delete_customers(vault, ids, reason="bulk erasure")
        after = backups.create_backup(vault, tmp_path / "bk").path
        with vault.read() as conn:
            journal = conn.execute(select(shred_journal.c.customer_id)).scalars().all()
    finally:
        vault.close()
    assert result.customers_destroyed == len(ids)
    assert sorted(journal) == ids
    needles = [e for v in plain for e in encodings(v)]
    assert sweep([home, tmp_path / "bk", tmp_path / "tmp"], needles) == []
    assert sweep([home, after], material) == []
    # The earlier backup holds the DEKs only sealed under the backup-epoch key.
    assert sweep([before], material) == []
