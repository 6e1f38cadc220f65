"""Issue 10, attack 10: weak secrets are refused and a failed init leaves nothing behind;
init says that a lost passphrase loses the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from piplvault.crypto.kdf import KdfParams, passes_for
from piplvault.errors import ConfigError
from tests.security.conftest import cli


@pytest.mark.parametrize("passphrase", ["x", "password123", "12345678901"])
def test_attack_weak_passphrase_is_refused_and_nothing_left(
    passphrase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPLVAULT_PASSPHRASE", passphrase)
    result = cli("init", str(tmp_path / "v"))
    assert result.exit_code == 1 and "passphrase is too" in result.stderr
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize("memory", ["32", "8", "7000"])
def test_attack_kdf_memory_below_owasp_floor_is_refused_cleanly(
    memory: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PIPLVAULT_KDF_MEMORY_KIB=8 used to raise an internal error and leave an empty
    vault.db behind."""
    monkeypatch.setenv("PIPLVAULT_KDF_MEMORY_KIB", memory)
    (tmp_path / "v").mkdir()
    result = cli("init", str(tmp_path / "v"))
    assert result.exit_code == 1 and "OWASP Argon2id floor" in result.stderr
    assert list((tmp_path / "v").iterdir()) == []


def test_owasp_floor_table() -> None:
    assert passes_for(65536) == 1 and passes_for(19456) == 2
    assert passes_for(8192) == 5 and KdfParams.new(memory_kib=8192).iterations == 5
    assert KdfParams.new().iterations == 3  # the default is above every floor row
    with pytest.raises(ConfigError):
        passes_for(10**12)


def test_init_says_a_lost_passphrase_loses_the_data(tmp_path: Path) -> None:
    result = cli("init", str(tmp_path / "v"))
    assert result.exit_code == 0, result.output
    assert "If it is lost" in result.stderr and "no reset" in result.stderr


def test_weak_new_passphrase_is_refused_on_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "v"
    assert cli("init", str(home)).exit_code == 0
    monkeypatch.setenv("PIPLVAULT_NEW_PASSPHRASE", "abc")
    result = cli("keys", "rotate", "--passphrase", "--home", str(home))
    assert result.exit_code == 1 and "passphrase is too short" in result.stderr
