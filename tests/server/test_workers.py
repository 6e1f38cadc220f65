"""``piplvault serve --workers N`` (issue 11): several processes share one unsealed vault.

Concurrent reads answered by two real worker processes leave one valid audit chain (every
read audited once, ``audit verify`` passes); sealing through one worker seals every worker
on the very next request; stopping the server stops its workers.

R-SYS-ACCESS (PIPL Art. 51: every access audited), DESIGN "no audit entry, no operation".
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from piplvault.vault import people
from tests.conftest import OWNER_PASSWORD, cli_env, run_direct
from tests.lifecycle.conftest import home, home_template, open_home  # noqa: F401

WORKERS = 2
READS = 48


def _workers_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def test_workers_share_one_audit_chain_and_one_seal_R_SYS_ACCESS(
    home: Path,  # noqa: F811  the fixture
    tmp_path: Path,
) -> None:
    vault = open_home(home)
    people.set_password(vault, "owner", OWNER_PASSWORD)
    vault.close()
    socket = tmp_path / "s.sock"
    env = cli_env()
    argv = [sys.executable, "-m", "piplvault", "serve", "--home", str(home)]
    argv += ["--socket", str(socket), "--workers", str(WORKERS)]
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(argv, env=env, stdout=handle, stderr=handle)
    transport = httpx.HTTPTransport(uds=str(socket))
    try:
        with httpx.Client(transport=transport, base_url="http://t") as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/ready").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            assert len(_workers_of(proc.pid)) == WORKERS
            token = client.post(
                "/api/v1/login", json={"user": "owner", "password": OWNER_PASSWORD}
            ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            before = client.get("/api/v1/audit/verify", headers=auth).json()
            codes: list[int] = []

            def reader(first: int) -> None:
                with httpx.Client(
                    transport=httpx.HTTPTransport(uds=str(socket)),
                    base_url="http://t",
                    headers=auth,
                ) as mine:
                    for cid in range(first, first + READS // 8):
                        codes.append(mine.get(f"/api/v1/customers/{cid}").status_code)

            threads = [
                threading.Thread(target=reader, args=(1 + 6 * k,)) for k in range(8)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert codes == [200] * READS
            after = client.get("/api/v1/audit/verify", headers=auth).json()
            # one entry per read, in one chain (verifying reads the log without writing)
            assert after["entries"] == before["entries"] + READS
            assert client.post("/api/v1/seal", headers=auth).json() == {"sealed": True}
            # whichever worker answers next, it is sealed
            for _ in range(2 * WORKERS):
                assert client.get("/ready").status_code == 503
                refused = client.get("/api/v1/customers/1", headers=auth)
                assert refused.status_code == 503
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not _workers_of(proc.pid)
    verify = run_direct(
        ["audit", "verify", "--home", str(home), "--json"],
        env=env,
        input=None,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert os.path.exists(home / "audit-head.json")  # the anchor it checked against
