"""Fixtures for the attack regression tests (issue 10): a vault with the example customers,
and the CLI run in-process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import piplvault.cli.commands  # noqa: F401  registers every command
from piplvault.cli.app import app
from piplvault.errors import VaultError
from piplvault.io.tables import open_table
from piplvault.settings import load_settings
from piplvault.vault import Vault
from tests.conftest import EXAMPLES
from tests.inprocess import CliRunner, as_served, command_tree


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str, input: str | None = None) -> Ran:
    """Run ``piplvault ARGS`` in-process, mapping errors as ``cli.main`` does
    (VaultError → ``Error: …`` and exit 1; anything else is re-raised: a bug)."""
    args = _scripted(args)
    try:
        with as_served(list(args)):
            result = CliRunner().invoke(app, list(args), input=input)
    except VaultError as opening:  # the vault did not open: what the server would say
        return Ran(1, "", f"Error: {opening.message}\n")
    code, err = result.exit_code, result.stderr
    error = result.exception
    if isinstance(error, VaultError):
        from piplvault.cli.app import flag_for

        hint = flag_for(command_tree(app), list(args), getattr(error, "field", None))
        code, err = (
            1,
            err + f"Error: {error.message}" + (f" ({hint})" if hint else "") + "\n",
        )
    elif error is not None and not isinstance(error, SystemExit):
        raise error
    return Ran(code, result.stdout, err)


#: Destructive commands: these tests drive the CLI as a script does, with --yes.
_DESTRUCTIVE = {
    "customers delete",
    "retention apply",
    "backup prune",
    "deregister shred",
    "transfer complete",
}


def _scripted(args: tuple[str, ...]) -> tuple[str, ...]:
    words = " ".join(a for a in args[:2])
    if words in _DESTRUCTIVE and "--yes" not in args and "-y" not in args:
        return (*args, "--yes")
    return args


def open_home(home: Path) -> Vault:
    return Vault.open(load_settings({"home": home}))


def write_rows(path: Path, numbers: list[int]) -> Path:
    """A CSV with the header and the given 1-based data rows of the example file."""
    lines = (EXAMPLES / "customers.csv").read_text(encoding="utf-8-sig").splitlines()
    path.write_text(
        "\n".join([lines[0], *(lines[n] for n in numbers)]) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A vault directory holding the first 20 example customers (ids 1..20)."""
    path = tmp_path / "vault"
    vault = Vault.create(load_settings({"home": path}))
    try:
        vault.import_table(
            open_table(write_rows(tmp_path / "c.csv", list(range(1, 21))))
        )
    finally:
        vault.close()
    yield path
