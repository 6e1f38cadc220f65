"""Shared fixtures: a vault directory, the CLI runner, and a throw-away PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PASSPHRASE = "测试口令-correct horse"
OWNER_PASSWORD = "owner-口令-1234"
#: Tests use a smaller Argon2id memory cost so each command opens fast; the KDF is the same.
TEST_ENV = {
    "PIPLVAULT_PASSPHRASE": PASSPHRASE,
    "PIPLVAULT_KDF_MEMORY_KIB": "8192",
    "PIPLVAULT_OWNER_PASSWORD": OWNER_PASSWORD,
    # notices must name the handler (issue 13 item 9); tests run as this company
    "PIPLVAULT_COMPANY": "示例商贸有限公司",
}


@pytest.fixture(autouse=True)
def _vault_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in (
        "PIPLVAULT_HOME",
        "PIPLVAULT_DB",
        "PIPLVAULT_USER",
        "PIPLVAULT_PASSWORD",
        "PIPLVAULT_TOKEN",
        "PIPLVAULT_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "tmp").mkdir()


@pytest.fixture(autouse=True)
def _stop_servers() -> Iterator[None]:
    """Every `piplvault serve` a test started is stopped when the test ends."""
    yield
    servers.stop_all()


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for running the real ``piplvault`` command in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPLVAULT_")}
    env.update(TEST_ENV)
    env.update(extra)
    return env


def run_piplvault(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI as its user would.

    The owner's maintenance commands run on the box with the passphrase (direct mode);
    every other command goes, as a real client, to a real ``piplvault serve`` for that
    vault (started on first use, with its own Unix socket) with the user's own password or
    token and without the passphrase — so the whole suite exercises the server path.
    """
    env = dict(env or cli_env())
    return servers.run(list(args), env=env, input=input, timeout=timeout)


def run_direct(
    args: list[str], *, env: dict[str, str], input: str | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """``piplvault ARGS`` on the box, exactly as given.

    Forked from the warm test zygote (tests/zygote.py: the same ``piplvault`` entry point
    without re-importing Python packages each time); ``PIPLVAULT_TEST_ZYGOTE=0`` runs
    ``python -m piplvault`` as a fresh subprocess instead."""
    if os.environ.get("PIPLVAULT_TEST_ZYGOTE", "1") == "1":
        from tests.zygote import zygote

        workdir = Path(tempfile.mkdtemp(prefix="pvz-", dir="/tmp"))
        try:
            return zygote().run(
                args, env=env, input=input, timeout=timeout, workdir=workdir
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return subprocess.run(
        [sys.executable, "-m", "piplvault", *args],
        capture_output=True,
        text=True,
        env=env,
        input=input,
        timeout=timeout,
        check=False,
    )


# --- PostgreSQL -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Start a throw-away PostgreSQL cluster for the session; skip loudly if impossible."""
    bindir = _pg_bindir()
    if bindir is None:
        _skip_loudly(
            "PostgreSQL binaries not found (install Debian's postgresql package)"
        )
    base = Path(tempfile.mkdtemp(prefix="piplvault-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    init = subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
                str(data),
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        _skip_loudly(f"initdb failed: {init.stderr.strip()[:300]}")
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(base / "log"),
                "-w",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        _skip_loudly(f"pg_ctl start failed: {start.stderr.strip()[:300]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def _skip_loudly(reason: str) -> None:
    message = f"POSTGRESQL TESTS SKIPPED: {reason}"
    sys.stderr.write("\n" + "!" * 80 + f"\n{message}\n" + "!" * 80 + "\n")
    pytest.skip(message)


@pytest.fixture
def fresh_postgres_db(postgres_url: str) -> Iterator[str]:
    """A new empty database on the session's PostgreSQL server."""
    import psycopg

    name = f"t{time.time_ns()}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
