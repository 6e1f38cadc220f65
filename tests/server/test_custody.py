"""Split custody (issue 11.4): k-of-n Shamir shares unseal the server; fewer do not; the old
passphrase stops working. DESIGN "Who holds the keys"."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import cli_env, run_piplvault


def _serve(home: Path, sock: Path, *shares: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    args = [
        sys.executable,
        "-m",
        "piplvault",
        "serve",
        "--home",
        str(home),
        "--socket",
        str(sock),
    ]
    for share in shares:
        args += ["--share", str(share)]
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_of_three_directors_unseal_and_one_cannot(tmp_path: Path) -> None:
    home, out = tmp_path / "vault", tmp_path / "shares"
    assert run_piplvault("init", str(home)).returncode == 0
    split = run_piplvault(
        "keys",
        "split",
        "--threshold",
        "2",
        "--shares",
        "3",
        "--out",
        str(out),
        "--home",
        str(home),
    )
    assert split.returncode == 0, split.stderr
    files = sorted(out.iterdir())
    assert len(files) == 3
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)

    old = run_piplvault("audit", "verify", "--home", str(home))
    assert old.returncode == 1 and "Wrong passphrase" in old.stderr

    lone = _serve(home, tmp_path / "one.sock", files[0])
    assert lone.wait(timeout=60) == 1
    assert "do not combine" in lone.stderr.read()  # type: ignore[union-attr]

    pair = _serve(home, tmp_path / "two.sock", files[0], files[2])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "two.sock").exists():
            assert pair.poll() is None, pair.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        pair.terminate()
        pair.wait(timeout=30)
