"""Issue 10, attacks 11 and 12: backup retention is validated, the current epoch key is
never destroyed, and a restore is pinned to the live vault's signing key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import rawdb
from tests.security.conftest import cli


@pytest.mark.parametrize("days", ["-100", "0", "100000000"])
def test_attack_bad_retain_days_is_refused(
    home: Path, tmp_path: Path, days: str
) -> None:
    result = cli(
        "backup", "create", "--to", str(tmp_path / "bk"), "--retain-days", days,
        "--home", str(home),
    )  # fmt: skip
    assert result.exit_code == 1 and "--retain-days" in result.stderr
    assert "must be between 1" in result.stderr
    assert (
        not list((tmp_path / "bk").glob("*.pvbak"))
        if (tmp_path / "bk").exists()
        else True
    )


def test_attack_prune_never_destroys_the_current_epoch(
    home: Path, tmp_path: Path
) -> None:
    """Even when the current month's epoch says it has expired (e.g. an epoch created
    with a bad window), prune keeps its key and this month's backup stays restorable."""
    made = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    assert made.exit_code == 0, made.output
    with rawdb.connect(home) as db:
        db.execute("UPDATE backup_epochs SET expires_at='2000-01-01T00:00:00.000000Z'")
    pruned = cli("backup", "prune", "--home", str(home))
    assert pruned.exit_code == 0, pruned.output
    assert list((tmp_path / "bk").glob("*.pvbak"))
    again = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    assert again.exit_code == 0, again.output
    with rawdb.connect(home) as db:
        assert db.execute(
            "SELECT count(*) FROM backup_epochs WHERE destroyed_at IS NOT NULL"
        ).fetchone() == (0,)


def _resign_with_foreign_key(original: Path, forged: Path) -> None:
    """An attacker edits the manifest and re-signs it with a key of their own."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from piplvault.crypto.signing import public_pem
    from piplvault.documents.certificate import canonical
    from piplvault.vault.backups import _U32, END, read_manifest

    manifest, _sig, start = read_manifest(original)
    foreign = Ed25519PrivateKey.generate()
    manifest["public_key_pem"] = public_pem(foreign)
    manifest["created_by"] = "mallory"
    body = canonical(manifest)
    frames = original.read_bytes()[:start]
    forged.write_bytes(frames + body + foreign.sign(body) + _U32.pack(len(body)) + END)


def test_attack_backup_resigned_with_foreign_key_is_refused(
    home: Path, tmp_path: Path
) -> None:
    made = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    original = Path(made.stdout.strip().splitlines()[-1])
    forged = tmp_path / "forged.pvbak"
    _resign_with_foreign_key(original, forged)
    into = tmp_path / "restored"
    result = cli(
        "backup", "restore", str(forged), "--into", str(into), "--home", str(home)
    )
    assert result.exit_code == 1 and "foreign key" in result.stderr
    assert not (into / "vault.db").exists()
    genuine = cli(
        "backup", "restore", str(original), "--into", str(into), "--home", str(home)
    )
    assert genuine.exit_code == 0, genuine.output


def test_restore_without_live_vault_requires_the_public_key(
    home: Path, tmp_path: Path
) -> None:
    made = cli("backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home))
    original = made.stdout.strip().splitlines()[-1]
    result = cli(
        "backup", "restore", original, "--into", str(tmp_path / "r"),
        "--without-epoch-key", "--home", str(tmp_path / "no-vault-here"),
    )  # fmt: skip
    assert result.exit_code == 1 and "--public-key" in result.stderr
