"""Shared fixtures: a vault directory, the CLI runner, and a throw-away PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pgcluster, pgswitch, servers

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
    """Every `piplvault serve` a test started is stopped when the test ends, and the
    PostgreSQL databases its vaults had (PIPLVAULT_TEST_DB=postgresql) are dropped."""
    position = pgswitch.mark()
    yield
    servers.stop_all()
    pgswitch.drop_since(position)


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
    env = pgswitch.env_for_command(args, env)
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about SQLite files themselves; skipped when "
        "PIPLVAULT_TEST_DB=postgresql (tests/pgswitch.py)",
    )


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not pgswitch.ON:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args or ["?"])[0]
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


#: a free TCP port on 127.0.0.1 (tests that start a listener of their own)
_free_port = pgcluster._free_port


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Start a throw-away PostgreSQL cluster for the session; skip loudly if impossible
    (fail instead on the PostgreSQL pass, PIPLVAULT_TEST_DB=postgresql)."""
    try:
        cluster = pgcluster.start()
    except pgcluster.Unavailable as exc:
        if pgswitch.ON:
            pytest.fail(f"PIPLVAULT_TEST_DB=postgresql: {exc}", pytrace=False)
        _skip_loudly(str(exc))
        raise
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session", autouse=True)
def _test_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """PIPLVAULT_TEST_DB=postgresql: every vault a test makes lives on PostgreSQL."""
    if not pgswitch.ON:
        yield
        return
    pgswitch.attach(request.getfixturevalue("postgres_url"))
    pgswitch.install_create_hook()
    yield
    pgswitch.drop_since(0)


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
