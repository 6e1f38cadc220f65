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

from tests import servers
from tests.conftest import OWNER_PASSWORD, cli_env, run_piplvault
from tests.vaults import clone, initialized


@pytest.fixture(scope="module")
def new_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One new vault (a real ``piplvault init``); each test kills the server of a copy."""
    return initialized(tmp_path_factory.mktemp("new"))


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    write_csv(path, make_rows(6000, seed=7), "utf-8")
    assert HEADERS
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    "delay",
    # 0.6 s and 1.2 s once hung the re-import: fork()ed workers of the threaded server
    # waited forever on a lock copied mid-use; workers are now spawned (fresh interpreters).
    [0.6, 1.2, 2.0],
)
def test_sigkill_of_the_server_mid_import_leaves_vault_as_before(
    delay: float, new_vault: Path, big_csv: Path, tmp_path: Path
) -> None:
    """The server is the process that holds the keys and writes: SIGKILL it mid-import."""
    home = clone(new_vault, tmp_path / "vault")
    server = servers.server_for(home, cli_env())
    client_env = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    client_env.update(PIPLVAULT_URL=server.url, PIPLVAULT_PASSWORD=OWNER_PASSWORD)
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
        env=client_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    spawned = _descendants(
        server.proc.pid
    )  # its import workers, once it has started them
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    proc.wait(timeout=60)
    # no worker outlives the killed server (each holds the sealing keys it was given)
    deadline = time.monotonic() + 15
    while [p for p in spawned if _alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in spawned if _alive(p)], [
        (p, _cmdline(p)[:120]) for p in spawned if _alive(p)
    ]
    verify = run_piplvault("audit", "verify", "--home", str(home))
    assert verify.returncode == 0, verify.stderr
    status = json.loads(run_piplvault("status", "--home", str(home), "--json").stdout)
    reimport = run_piplvault(
        "import", str(big_csv), "--home", str(home), "--json", timeout=240
    )
    assert reimport.stdout, reimport.stderr
    again = json.loads(reimport.stdout)
    accepted = again["new"] + again["unchanged"]
    assert accepted + again["rejected"] == 6000  # every row accounted for
    assert status["customers"] in (0, accepted)  # all or nothing, never part
    assert status["data_keys"] == status["customers"]
    final = json.loads(run_piplvault("status", "--home", str(home), "--json").stdout)
    assert final["customers"] == accepted


def _descendants(root: int) -> dict[int, int]:
    """pid → parent pid of every living process below ``root`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, int] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = ppid
                frontier.append(pid)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has already ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
def test_a_killed_import_worker_fails_the_import_closed(
    new_vault: Path, big_csv: Path, tmp_path: Path
) -> None:
    """R-SYS-4: a worker process killed mid-import (OOM killer, operator) makes the import
    fail with a clear error and import nothing — never hang, never keep part of the file —
    and the server keeps serving: the same file imports afterwards."""
    home = clone(new_vault, tmp_path / "vault")
    server = servers.server_for(home, cli_env())
    client_env = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    client_env.update(
        PIPLVAULT_URL=server.url, PIPLVAULT_PASSWORD=OWNER_PASSWORD, PIPLVAULT_LANG="en"
    )
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
        env=client_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        # spawned workers run multiprocessing's spawn_main (not the resource tracker)
        workers = [
            pid
            for pid in _descendants(server.proc.pid)
            if b"spawn_main" in _cmdline(pid)
        ]
        time.sleep(0.05)
    assert workers, "the import never started worker processes"
    os.kill(workers[0], signal.SIGKILL)
    _out, err = proc.communicate(timeout=240)
    assert proc.returncode != 0
    assert "worker" in err and "nothing was imported" in err, err
    assert server.proc.poll() is None  # the server survived its worker
    status = json.loads(run_piplvault("status", "--home", str(home), "--json").stdout)
    assert status["customers"] == 0
    assert run_piplvault("audit", "verify", "--home", str(home)).returncode == 0
    again = json.loads(
        run_piplvault(
            "import", str(big_csv), "--home", str(home), "--json", timeout=240
        ).stdout
    )
    assert again["new"] + again["rejected"] == 6000
