"""Atomic import under SIGKILL (reliability plan D1): kill the real CLI mid-import, reopen,
verify the audit log, find either no customers or all of them — never part."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from examples.generate import HEADERS, make_rows, write_csv

from tests.conftest import cli_env, run_piplvault


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_csv(path, make_rows(6000, seed=7), "utf-8")
    assert HEADERS
    return path


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.6, 1.2, 2.0])
def test_sigkill_mid_import_leaves_vault_as_before(
    delay: float, big_csv: Path, tmp_path: Path
) -> None:
    home = tmp_path / "vault"
    assert run_piplvault("init", str(home)).returncode == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "piplvault",
            "import",
            str(big_csv),
            "--home",
            str(home),
        ],
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    verify = run_piplvault("audit", "verify", "--home", str(home))
    assert verify.returncode == 0, verify.stderr
    status = json.loads(run_piplvault("status", "--home", str(home), "--json").stdout)
    assert status["customers"] in (0, 6000)
    assert status["data_keys"] == status["customers"]
    again = json.loads(
        run_piplvault("import", str(big_csv), "--home", str(home), "--json").stdout
    )
    assert again["new"] + again["unchanged"] == 6000
    final = json.loads(run_piplvault("status", "--home", str(home), "--json").stdout)
    assert final["customers"] == 6000
