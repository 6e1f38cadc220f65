"""Issue 10, attacks 7 and 8 (and the stale-temp part of 16): private files, no symlink
following, one writer used everywhere, leftovers cleaned on the next start."""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import pytest

from piplvault.io.private_files import TEMP_SUFFIX, overwrite_private, write_private
from tests.conftest import run_piplvault
from tests.security.conftest import cli, write_rows

SRC = Path(__file__).resolve().parents[2] / "src" / "piplvault"


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_attack_files_readable_by_other_users(tmp_path: Path) -> None:
    """vault.db, the head file, backups and certificates are 0600 in 0700 directories,
    through the real command (umask 0077 in the process) — and a second OS user cannot
    read them."""
    home = tmp_path / "v"
    assert run_piplvault("init", str(home)).returncode == 0
    rows = write_rows(tmp_path / "c.csv", [1, 2, 3])
    assert run_piplvault("import", str(rows), "--home", str(home)).returncode == 0
    made = run_piplvault(
        "backup", "create", "--to", str(tmp_path / "bk"), "--home", str(home)
    )
    assert made.returncode == 0, made.stderr
    gone = run_piplvault(
        "customers", "delete", "1", "--reason", "r", "--yes", "--home", str(home)
    )
    assert gone.returncode == 0, gone.stderr
    written = [p for base in (home, tmp_path / "bk") for p in [base, *base.rglob("*")]]
    assert len(written) > 5
    loose = [str(p) for p in written if not _private(p)]
    assert loose == []
    if os.geteuid() == 0 and shutil.which("runuser"):
        tmp_path.chmod(0o755)  # let the other user reach the vault directory itself
        # the SQLite file, or (PostgreSQL pass) the backup holding the same records
        secret = home / "vault.db"
        if not secret.exists():
            secret = max(
                (p for p in written if p.is_file()), key=lambda p: p.stat().st_size
            )
        other = subprocess.run(
            ["runuser", "-u", "nobody", "--", "cat", str(secret)],
            capture_output=True,
            check=False,
        )
        assert other.returncode != 0 and b"Permission denied" in other.stderr


def test_attack_planted_tmp_symlink_is_not_followed(tmp_path: Path) -> None:
    """``letters.html.tmp -> victim`` in a shared directory: the victim is untouched."""
    victim = tmp_path / "victim"
    victim.write_text("precious")
    out = tmp_path / "shared"
    out.mkdir()
    for planted in ("letters.html.tmp", "letters.html.partial"):
        (out / planted).symlink_to(victim)
    write_private(out / "letters.html", "<p>letter</p>")
    assert victim.read_text() == "precious"
    assert (out / "letters.html").read_text() == "<p>letter</p>"
    assert _private(out / "letters.html")


def test_target_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "report.json").symlink_to(victim)
    write_private(tmp_path / "report.json", b"{}")
    assert victim.read_text() == "precious"
    assert not (tmp_path / "report.json").is_symlink()


def test_one_writer_used_everywhere() -> None:
    """No module writes files except io/private_files.py (write_bytes, write_text,
    open(..., 'w'/'wb'/'a'), mkdir without a private mode are all refused)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "private_files.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(
                node.func, ast.Attribute
            ):
                continue
            name = node.func.attr
            if name in ("write_bytes", "write_text"):
                offenders.append(f"{path.name}:{node.lineno} {name}")
            if name == "open" and any(
                isinstance(a, ast.Constant) and str(a.value)[:1] in ("w", "a")
                for a in node.args
            ):
                offenders.append(f"{path.name}:{node.lineno} open")
            if name == "mkdir" and not any(k.arg == "mode" for k in node.keywords):
                offenders.append(f"{path.name}:{node.lineno} mkdir")
    assert offenders == []


def test_stale_temp_files_cleaned_on_next_start(home: Path) -> None:
    certs = home / "certificates"
    certs.mkdir(exist_ok=True)
    old = [
        certs / "destruction-x.json.partial",
        home / f".letters.html.abc{TEMP_SUFFIX}",
        home / "notice.tmp",
    ]
    fresh = (
        home / f".backup.def{TEMP_SUFFIX}"
    )  # another process may still be writing it
    for p in [*old, fresh]:
        p.write_text("half")
    long_ago = time.time() - 3600
    for p in old:
        os.utime(p, (long_ago, long_ago))
    assert cli("customers", "list", "--home", str(home)).exit_code == 0
    assert [p for p in old if p.exists()] == []
    assert fresh.exists()


@pytest.mark.parametrize("mode", [0o600])
def test_write_private_mode_without_umask(tmp_path: Path, mode: int) -> None:
    old = os.umask(0)
    try:
        write_private(tmp_path / "a" / "b.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a" / "b.txt").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_in_place_rewrite_only_of_our_own_private_file_of_that_size(
    tmp_path: Path,
) -> None:
    """R-SYS-1: the head file's in-place rewrite never writes through a symlink or a hard
    link, nor into a file of another size or mode; each of those is refused (the caller
    then replaces the file whole, as ``write_private`` does)."""
    own = write_private(tmp_path / "head.json", b"a" * 512)
    inode = own.stat().st_ino
    assert overwrite_private(own, b"b" * 512)
    assert own.read_bytes() == b"b" * 512 and own.stat().st_ino == inode
    assert not overwrite_private(own, b"c" * 511)  # another size
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"v" * 512)
    victim.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    hard = tmp_path / "hard.json"
    os.link(victim, hard)
    for planted in (link, hard):
        assert not overwrite_private(planted, b"x" * 512)
    assert victim.read_bytes() == b"v" * 512
    shared = write_private(tmp_path / "shared.json", b"s" * 512)
    shared.chmod(0o644)
    assert not overwrite_private(shared, b"x" * 512)
    assert not overwrite_private(tmp_path / "missing.json", b"x" * 512)


def test_head_file_is_one_sector_rewritten_in_place(tmp_path: Path) -> None:
    """The audit head file after every commit: same file, 512 bytes, the newest head."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from piplvault.audit import anchor

    key = Ed25519PrivateKey.generate()
    path = tmp_path / anchor.HEAD_FILE
    for seq in (1, 2):
        anchor.write_head_file(
            tmp_path, key, vault_id="v", seq=seq, head_hash="ab" * 32, at="t"
        )
        if seq == 1:
            inode = path.stat().st_ino
    assert path.stat().st_ino == inode and path.stat().st_size == anchor.HEAD_FILE_BYTES
    assert _private(path)
    found = anchor.read_head_file(tmp_path, key.public_key(), "v")
    assert found is not None and found.seq == 2
