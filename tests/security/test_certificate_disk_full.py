"""Issue 10, attack 14: a deletion whose certificate cannot be written (disk full) says the
deletion happened and how to export the certificate — not "Internal error … a bug"."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from piplvault.documents import certificate
from tests.security.conftest import cli


def test_attack_disk_full_during_certificate_write(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, data: bytes | str) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with monkeypatch.context() as patch:
        patch.setattr(certificate, "write_private", full)
        result = cli(
            "customers", "delete", "4", "--reason", "erasure",
            "--out", str(tmp_path / "c"), "--home", str(home),
        )  # fmt: skip
    assert result.exit_code == 1
    assert "deletion was carried out" in result.stderr
    assert "No space left on device" in result.stderr
    run_id = result.stderr.split("piplvault certificate export ")[1].split()[0]
    assert cli("customers", "show", "4", "--home", str(home)).exit_code == 1
    exported = cli(
        "certificate", "export", run_id, "--out", str(tmp_path / "later"),
        "--home", str(home),
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert Path(exported.stdout.strip()).is_file()
