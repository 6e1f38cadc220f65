"""Run the real ``piplvault`` commands for the intake tests: ``scan`` in-process with the
console script's error mapping, everything else through the suite's CLI runner."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault.cli.app import app
from piplvault.errors import VaultError
from tests.conftest import cli_env, run_piplvault
from tests.inprocess import CliRunner
from tests.vaults import clone


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli(*args: str, input: str | None = None) -> Ran:
    """``scan`` (no vault) in-process; every other command through the project's real
    CLI runner (``tests.conftest.run_piplvault``), however the suite reaches the vault."""
    if args and args[0] == "scan":
        return _in_process(args, input)
    # These tests read the English error line (the zh-CN line above it is i18n's concern).
    result = run_piplvault(*args, input=input, env=cli_env(PIPLVAULT_LANG="en"))
    return Ran(result.returncode, result.stdout, result.stderr)


def _in_process(args: tuple[str, ...], input: str | None) -> Ran:
    result = CliRunner().invoke(app, list(args), input=input)
    err = result.stderr
    code = result.exit_code
    if isinstance(result.exception, VaultError):
        err += f"Error: {result.exception.message}\n"
        code = 1
    elif result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(code, result.stdout, err)


#: The module's empty vault (``tests/intake/conftest.py`` ``empty_template``), if it has one.
TEMPLATE: list[Path] = []


def new_vault(tmp_path: Path) -> Path:
    """A new empty vault of the test's own: a copy of the module's ``piplvault init``
    (``empty_template``), or a new ``init`` where the module has none."""
    home = tmp_path / "vault"
    if TEMPLATE:
        return clone(TEMPLATE[-1], home)
    ran = cli("init", str(home))
    assert ran.code == 0, ran.err
    return home


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
