"""Key rotation: passphrase change, KEK rewrap and retirement (reliability plan K3, K5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from piplvault.errors import WrongPassphraseError
from piplvault.settings import load_settings
from piplvault.store.schema import customer_keys, vault_keys
from piplvault.vault import Vault, backups, keys
from tests.conftest import PASSPHRASE, cli_env, run_piplvault
from tests.lifecycle.conftest import open_home


def _values(vault: Vault, ids: range) -> dict[int, dict[str, str]]:
    return {
        i: {
            k: f.value
            for k, f in vault.show_customer(
                i, reveal=True, purpose="contract"
            ).fields.items()
        }
        for i in ids
    }


def test_kek_rotation_rewraps_every_dek_and_retires_old_K3(
    home: Path, tmp_path: Path
) -> None:
    """K3: after rotate --kek every field still decrypts, no DEK is left on the old version,
    the old version is destroyed, and a backup made before still restores."""
    vault = open_home(home)
    try:
        before = _values(vault, range(1, 201))
        old_backup = backups.create_backup(vault, tmp_path / "bk").path
        report = keys.rotate(vault, kek=True)
        assert report["kek_version"] == 2 and report["deks_rewrapped"] == 200
        assert report["retired"] == ["kek:v1"]
    finally:
        vault.close()
    vault = open_home(home)
    try:
        assert _values(vault, range(1, 201)) == before
        with vault.read() as conn:
            versions = set(conn.execute(select(customer_keys.c.kek_version)).scalars())
            keks = set(
                conn.execute(
                    select(vault_keys.c.version).where(vault_keys.c.purpose == "kek")
                ).scalars()
            )
        assert versions == {2} and keks == {2}
        store = backups.live_key_store(vault)
    finally:
        vault.close()
    into = tmp_path / "r"
    backups.restore_backup(
        old_backup, into, load_settings({"home": into}), key_store=store
    )
    restored = open_home(into)
    try:
        assert _values(restored, range(1, 4)) == {i: before[i] for i in range(1, 4)}
    finally:
        restored.close()


def test_passphrase_change_cli_old_refused(home: Path) -> None:
    """Master passphrase change: the new one opens, the old one is refused; data intact."""
    env = cli_env(PIPLVAULT_NEW_PASSPHRASE="新口令-another horse")
    done = run_piplvault("keys", "rotate", "--passphrase", "--home", str(home), env=env)
    assert done.returncode == 0, done.stderr
    old = run_piplvault("status", "--home", str(home))
    assert old.returncode == 1 and "Wrong passphrase" in old.stderr
    new = cli_env(PIPLVAULT_PASSPHRASE="新口令-another horse")
    shown = run_piplvault(
        "customers",
        "show",
        "1",
        "--reveal",
        "--purpose",
        "contract",
        "--home",
        str(home),
        env=new,
    )
    assert shown.returncode == 0, shown.stderr
    wrong = cli_env(PIPLVAULT_PASSPHRASE="wrong", PIPLVAULT_NEW_PASSPHRASE="x-y-z-123")
    refused = run_piplvault(
        "keys", "rotate", "--passphrase", "--home", str(home), env=wrong
    )
    assert refused.returncode == 1
    with pytest.raises(WrongPassphraseError):
        Vault.open(load_settings({"home": home, "passphrase": PASSPHRASE}))
