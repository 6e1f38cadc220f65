"""Encrypted backups: round trip, journal replay, epoch expiry, tamper (R-NDS-9-1; reliability
plan B1, B2, S2, S3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from piplvault.errors import (
    EpochKeyUnavailableError,
    IntegrityError,
    NotFoundError,
    ValidationError,
    VaultExistsError,
    WrongPassphraseError,
)
from piplvault.settings import load_settings
from piplvault.vault import backups
from tests.conftest import run_piplvault
from tests.lifecycle.conftest import open_home


def test_backup_cli_round_trip_and_replay_S2_R_NDS_9_1(
    home: Path, tmp_path: Path
) -> None:
    """S2 / R-NDS-9-1: restore replays the shred journal, so a customer deleted after the
    backup does not come back; the restored vault opens with the same passphrase."""
    made = run_piplvault(
        "backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home)
    )
    assert made.returncode == 0, made.stderr
    file = Path(made.stdout.strip())
    assert file.is_file()
    assert run_piplvault("backup", "verify", str(file)).returncode == 0
    gone = run_piplvault(
        "customers", "delete", "11", "--reason", "r", "--yes", "--home", str(home)
    )
    assert gone.returncode == 0, gone.stderr
    into = tmp_path / "restored"
    restored = run_piplvault(
        "backup",
        "restore",
        str(file),
        "--into",
        str(into),
        "--home",
        str(home),
        "--json",
    )
    assert restored.returncode == 0, restored.stderr
    info = json.loads(restored.stdout)
    assert info["customers_in_backup"] == 200
    assert info["customers_removed_by_journal"] == 1
    status = run_piplvault("status", "--json", "--home", str(into))
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["customers"] == 199
    shown = run_piplvault("customers", "show", "11", "--home", str(into))
    assert shown.returncode == 1
    assert run_piplvault("audit", "verify", "--home", str(into)).returncode == 0
    again = run_piplvault(
        "backup", "restore", str(file), "--into", str(into), "--home", str(home)
    )
    assert again.returncode == 1 and "already holds a vault" in again.stderr


def test_restore_values_match_B1(home: Path, tmp_path: Path) -> None:
    """B1: every restored customer decrypts to the same values."""
    vault = open_home(home)
    try:
        file = backups.create_backup(vault, tmp_path / "bk").path
        store = backups.live_key_store(vault)
        originals = {
            i: vault.show_customer(i, reveal=True, purpose="contract").fields
            for i in (1, 50, 200)
        }
    finally:
        vault.close()
    into = tmp_path / "r"
    backups.restore_backup(file, into, load_settings({"home": into}), key_store=store)
    restored = open_home(into)
    try:
        for i, fields in originals.items():
            view = restored.show_customer(i, reveal=True, purpose="contract")
            assert {k: f.value for k, f in view.fields.items()} == {
                k: f.value for k, f in fields.items()
            }
    finally:
        restored.close()


def test_pruned_epoch_erases_everyone_on_restore_S3(home: Path, tmp_path: Path) -> None:
    """S3: once `backup prune` destroyed the epoch key, restoring that backup decrypts no
    customer; a destruction certificate lists them."""
    vault = open_home(home)
    try:
        file = backups.create_backup(vault, tmp_path / "bk", retain_days=1).path
        copy = tmp_path / "offsite.pvbak"
        copy.write_bytes(file.read_bytes())
        import datetime as dt

        pruned = backups.prune_backups(
            vault, as_of=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
        )
        assert pruned["epochs_destroyed"] and not file.exists()
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    into = tmp_path / "r"
    result = backups.restore_backup(
        copy, into, load_settings({"home": into}), key_store=store
    )
    assert result["customers_erased_epoch_expired"] == 200
    cert = json.loads(Path(result["certificate"]).read_text(encoding="utf-8"))
    assert len(cert["what"]["pseudonymous_ids"]["destroyed"]) == 200
    restored = open_home(into)
    try:
        with pytest.raises(NotFoundError):
            restored.show_customer(1, reveal=True, purpose="contract")
    finally:
        restored.close()


def test_tampered_truncated_or_wrong_key_backups_are_refused_B2(
    home: Path, tmp_path: Path
) -> None:
    """B2: a flipped byte, a truncation, an edited manifest or a wrong passphrase are typed
    refusals and nothing is written to the target."""
    vault = open_home(home)
    try:
        file = backups.create_backup(vault, tmp_path / "bk").path
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    data = file.read_bytes()
    flipped = bytearray(data)
    flipped[len(backups.MAGIC) + 100] ^= 1
    manifest_edit = data.replace(b'"created_by":"owner"', b'"created_by":"eve!!"')
    for name, bad in (
        ("flip", bytes(flipped)),
        ("trunc", data[: len(data) // 2]),
        ("manifest", manifest_edit),
    ):
        path = tmp_path / f"{name}.pvbak"
        path.write_bytes(bad)
        with pytest.raises(IntegrityError):
            backups.verify_backup(path)
        into = tmp_path / f"into-{name}"
        with pytest.raises(IntegrityError):
            backups.restore_backup(
                path, into, load_settings({"home": into}), key_store=store
            )
        assert not (into / "vault.db").exists()
    into = tmp_path / "wrong"
    wrong = load_settings({"home": into, "passphrase": "not the passphrase"})
    with pytest.raises(WrongPassphraseError):
        backups.restore_backup(file, into, wrong, key_store=store)
    assert not into.exists()
    with pytest.raises(ValidationError, match="--public-key"):  # issue 10, attack 12
        backups.restore_backup(
            file, into, load_settings({"home": into}), key_store=None
        )
    with pytest.raises(EpochKeyUnavailableError):
        backups.restore_backup(
            file,
            into,
            load_settings({"home": into}),
            key_store=None,
            public_key=store.signers[0],
        )
    assert not into.exists()
    with pytest.raises(VaultExistsError):
        backups.restore_backup(
            file, home, load_settings({"home": home}), key_store=store
        )
    cli = run_piplvault("backup", "verify", str(tmp_path / "flip.pvbak"))
    assert cli.returncode == 1 and "tampered" in cli.stderr


def test_backup_file_holds_no_plaintext_R_51_3(home: Path, tmp_path: Path) -> None:
    vault = open_home(home)
    try:
        view = vault.show_customer(3, reveal=True, purpose="contract")
        file = backups.create_backup(vault, tmp_path / "bk").path
    finally:
        vault.close()
    data = file.read_bytes()
    for f in view.fields.values():
        if len(f.value) >= 8:
            assert f.value.encode("utf-8") not in data


def test_a_backup_whose_transaction_fails_leaves_no_file_R_NDS_9_1(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No audit entry, no backup: when the transaction recording the backup fails at its
    end (here: signing the audit head before commit), the file written is removed."""
    vault = open_home(home)
    try:
        real_sign = vault.sign_head

        def failing_sign(conn: object) -> None:
            if (tmp_path / "bk").exists() and list((tmp_path / "bk").iterdir()):
                raise OSError("disk full")
            real_sign(conn)  # type: ignore[arg-type]

        monkeypatch.setattr(vault, "sign_head", failing_sign)
        with pytest.raises(OSError, match="disk full"):
            backups.create_backup(vault, tmp_path / "bk")
    finally:
        vault.close()
    assert list((tmp_path / "bk").iterdir()) == []
