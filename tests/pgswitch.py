"""The suite's database switch: ``PIPLVAULT_TEST_DB=postgresql`` runs it on PostgreSQL.

With the switch on, every vault a test makes gets its own fresh database on the worker's
throw-away PostgreSQL cluster (tests/pgcluster.py): a CLI ``init`` (run_direct adds
``PIPLVAULT_DB``), an in-process ``Vault.create`` (patched for the session), and a copy of a
template vault (tests/vaults.py ``clone``: ``CREATE DATABASE … TEMPLATE …``). The vault then
names its database in ``HOME/piplvault.toml``, as ``piplvault init --db`` writes it, so every
later command, server and in-process open finds it. A test's databases are dropped when it
ends, a module fixture's when the session ends. Tests about SQLite files themselves carry
``@pytest.mark.sqlite_only(reason=…)`` and are skipped on the PostgreSQL pass.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from pathlib import Path
from typing import Any

BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("PIPLVAULT_TEST_DB", "") or "sqlite"
if BACKEND not in BACKENDS:
    raise RuntimeError(
        f"PIPLVAULT_TEST_DB must be one of {', '.join(BACKENDS)}, got {BACKEND!r}"
    )
ON = BACKEND == "postgresql"

_admin_url: str | None = None
_admin_conn: Any = None
_created: list[str] = []
_numbers = itertools.count(1)
_DB_LINE = re.compile(r'^db = "(postgresql://[^"]*)"$', re.MULTILINE)


def attach(admin_url: str) -> None:
    """Use the cluster whose maintenance database is ``admin_url``."""
    global _admin_url
    _admin_url = admin_url


def _admin() -> Any:
    """The worker's one autocommit connection to the maintenance database (a backend
    start per CREATE/DROP DATABASE cost more than the statement)."""
    global _admin_conn
    import psycopg

    if _admin_url is None:
        raise RuntimeError("PIPLVAULT_TEST_DB=postgresql but no cluster was started")
    if _admin_conn is None or _admin_conn.closed or _admin_conn.broken:
        _admin_conn = psycopg.connect(_admin_url, autocommit=True)
    return _admin_conn


def _url(name: str) -> str:
    assert _admin_url is not None
    return _admin_url.rsplit("/", 1)[0] + f"/{name}"


def new_database(template: str | None = None) -> str:
    """A new database (empty, or a copy of database ``template``); its URL."""
    name = f"pv{os.getpid()}_{next(_numbers)}"
    conn = _admin()
    if template is None:
        conn.execute(f'CREATE DATABASE "{name}"')
    else:
        # a copy needs the source idle: a stopped template's last sessions may linger
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (template,),
        )
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _created.append(name)
    _log_creation(name)
    return _url(name)


def _log_creation(name: str) -> None:
    """``PIPLVAULT_TEST_DB_LOG=FILE``: one line per database, naming the test that made
    it (how to find the tests that never touch a database)."""
    log = os.environ.get("PIPLVAULT_TEST_DB_LOG")
    if log:
        test = os.environ.get("PYTEST_CURRENT_TEST", "?")
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{test}\t{name}\n")


def mark() -> int:
    return len(_created)


def drop_since(position: int) -> None:
    """Drop the databases made after ``mark()`` returned ``position``."""
    names = _created[position:]
    del _created[position:]
    if not names:
        return
    conn = _admin()
    for name in names:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _home_is_new(home: Path) -> bool:
    return not (home / "piplvault.toml").exists() and not (home / "vault.db").exists()


def env_for_command(args: list[str], env: dict[str, str]) -> dict[str, str]:
    """``piplvault init`` of a new vault, without ``--db``: give it a fresh database."""
    if not ON or not args or args[0] != "init" or "--db" in args:
        return env
    if env.get("PIPLVAULT_DB"):
        return env
    if len(args) > 1 and not args[1].startswith("-"):
        home = Path(args[1])
    else:
        home = Path(env.get("PIPLVAULT_HOME") or "piplvault-data")
    if not _home_is_new(home):
        return env
    return {**env, "PIPLVAULT_DB": new_database()}


def install_create_hook() -> None:
    """In-process ``Vault.create`` of a new vault without a database URL gets a fresh one."""
    from piplvault.vault.service import Vault

    original = Vault.__dict__["create"].__func__

    def create(cls: type[Vault], settings: Any, **kwargs: Any) -> Vault:
        if settings.db is None and _home_is_new(settings.home):
            settings = dataclasses.replace(settings, db=new_database())
        return original(cls, settings, **kwargs)  # type: ignore[no-any-return]

    Vault.create = classmethod(create)  # type: ignore[method-assign,assignment]


def copy_database(home: Path) -> None:
    """``home`` is a fresh copy of a vault directory: give it its own database copy."""
    config = home / "piplvault.toml"
    if not ON or not config.is_file():
        return
    text = config.read_text(encoding="utf-8")
    found = _DB_LINE.search(text)
    if found is None or _admin_url is None:
        return
    source = found.group(1)
    if source.rsplit("/", 1)[0] != _admin_url.rsplit("/", 1)[0]:
        return  # a database this worker does not own (a test's own --db)
    url = new_database(template=source.rsplit("/", 1)[1])
    config.write_text(_DB_LINE.sub(f'db = "{url}"', text), encoding="utf-8")
