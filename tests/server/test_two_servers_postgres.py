"""Two `piplvault serve` processes on one PostgreSQL database (issue 11.8): reads are
consistent between them and concurrent writes serialise into one intact audit chain."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests import servers
from tests.conftest import EXAMPLES, OWNER_PASSWORD, cli_env, run_direct

pytestmark = pytest.mark.postgres


def _client_env(server: servers.Server) -> dict[str, str]:
    env = {k: v for k, v in cli_env().items() if k != "PIPLVAULT_PASSPHRASE"}
    env.update(PIPLVAULT_URL=server.url, PIPLVAULT_PASSWORD=OWNER_PASSWORD)
    return env


def test_two_servers_share_one_postgres_vault(
    fresh_postgres_db: str, tmp_path: Path
) -> None:
    env = cli_env()
    home_a, home_b = tmp_path / "a", tmp_path / "b"
    init = run_direct(
        ["init", str(home_a), "--db", fresh_postgres_db],
        env=env,
        input=None,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    home_b.mkdir(mode=0o700)
    a = servers.start((str(home_a), fresh_postgres_db), env, register=False)
    b = servers.start((str(home_b), fresh_postgres_db), env, register=False)
    assert isinstance(a, servers.Server) and isinstance(b, servers.Server)
    try:
        done = run_direct(
            ["import", str(EXAMPLES / "customers.csv"), "--json"],
            env=_client_env(a),
            input=None,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        seen_by_b = json.loads(
            run_direct(
                ["status", "--json"], env=_client_env(b), input=None, timeout=60
            ).stdout
        )
        assert seen_by_b["customers"] == 200

        results: list[int] = []

        def update(server: servers.Server, cid: int) -> None:
            out = run_direct(
                [
                    "customers",
                    "update",
                    str(cid),
                    "email",
                    f"u{cid}@example.com",
                    "--purpose",
                    "contract",
                ],
                env=_client_env(server),
                input=None,
                timeout=120,
            )
            results.append(out.returncode)

        threads = [
            threading.Thread(target=update, args=(a if i % 2 else b, i))
            for i in range(1, 9)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [0] * 8
        shown = json.loads(
            run_direct(
                ["customers", "show", "3", "--json"],
                env=_client_env(a),
                input=None,
                timeout=60,
            ).stdout
        )
        assert shown["id"] == 3
        verify = run_direct(
            [
                "audit",
                "verify",
                "--json",
                "--home",
                str(home_a),
                "--db",
                fresh_postgres_db,
            ],
            env=env,
            input=None,
            timeout=120,
        )
        assert verify.returncode == 0, verify.stderr
    finally:
        a.stop()
        b.stop()
