"""Vaults set up once per test module and copied for each test that changes them.

Building a vault through the CLI (init, import, …) costs several processes; a test that only
needs "a vault holding the example customers" gets a copy of one built earlier instead.
Every copy is the same vault (same keys and id): copy one only where a test needs a fresh
vault of its own, never for the other party of a transfer (that one is a new ``init``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests import pgswitch, servers


def frozen(*homes: Path) -> None:
    """Stop the servers of template vaults so their files can be copied consistently."""
    servers.stop_all()
    for home in homes:
        assert home.is_dir(), home


def initialized(base: Path) -> Path:
    """A new vault at ``base/vault`` made by a real ``piplvault init``, its server
    stopped: a template to :func:`clone` for each test that writes to it."""
    from tests.conftest import run_piplvault

    home = base / "vault"
    assert run_piplvault("init", str(home)).returncode == 0
    frozen(home)
    return home


def clone(template: Path, dest: Path) -> Path:
    """A copy of the (stopped) vault directory ``template`` at ``dest``, with its own copy
    of the vault's database on the PostgreSQL pass (tests/pgswitch.py)."""
    shutil.copytree(template, dest)
    pgswitch.copy_database(dest)
    return dest


def configure(home: Path, settings: str) -> None:
    """Write ``HOME/piplvault.toml`` as ``settings`` (TOML lines), keeping the line that
    names the vault's database (written by ``init --db``; the PostgreSQL pass has one)."""
    config = Path(home) / "piplvault.toml"
    kept = ""
    if config.is_file():
        lines = config.read_text(encoding="utf-8").splitlines()
        kept = "".join(line + "\n" for line in lines if line.startswith("db = "))
    config.write_text(kept + settings, encoding="utf-8")
