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


def clone(template: Path, dest: Path) -> Path:
    """A copy of the (stopped) vault directory ``template`` at ``dest``, with its own copy
    of the vault's database on the PostgreSQL pass (tests/pgswitch.py)."""
    shutil.copytree(template, dest)
    pgswitch.copy_database(dest)
    return dest
