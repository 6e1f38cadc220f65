"""CLI conventions (issue 9.6): ``--version``, shell completion, ``--debug``, a light ``--help``.

``--help`` speed is measured by ``bench/run.py`` (a timing assert would be flaky on a shared
machine); here the import graph is checked instead: building the whole command tree for
``--help`` loads neither SQLAlchemy, Alembic, FastAPI nor Jinja2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import piplvault
from piplvault.cli.app import run_argv
from tests.conftest import cli_env, run_piplvault

HEAVY = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "jinja2", "cryptography")


def test_version_prints_the_package_version() -> None:
    result = run_piplvault("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"piplvault {piplvault.__version__}"


def test_help_lists_commands_and_the_conventional_options() -> None:
    result = run_piplvault("--help")
    assert result.returncode == 0, result.stderr
    for word in ("--version", "--debug", "--install-completion", "import", "transfer"):
        assert word in result.stdout


@pytest.mark.parametrize("argv", [["--help"], ["customers", "--help"], ["--version"]])
def test_help_does_not_load_the_database_or_server_stack(argv: list[str]) -> None:
    """--help and --version build the command tree without SQLAlchemy/Alembic/FastAPI."""
    probe = (
        "import sys\n"
        "from piplvault.cli.app import run_argv\n"
        f"code = run_argv({argv!r})\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=cli_env(),
        check=True,
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_shell_completion_completes_command_names() -> None:
    """Typer's completion is on: bash asks through _PIPLVAULT_COMPLETE."""
    env = cli_env(
        COMP_WORDS="piplvault customers ",
        COMP_CWORD="2",
        _PIPLVAULT_COMPLETE="complete_bash",
    )
    result = subprocess.run(
        [sys.executable, "-m", "piplvault"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert {"list", "show", "find", "delete"} <= set(result.stdout.split())
    # answered here even when a server is set (no vault, no credentials needed)
    script = subprocess.run(
        [sys.executable, "-m", "piplvault", "--show-completion", "bash"],
        capture_output=True,
        text=True,
        env=cli_env(PIPLVAULT_URL="unix:///nonexistent.sock"),
        check=False,
        timeout=60,
    )
    assert script.returncode == 0, script.stderr
    assert "_PIPLVAULT_COMPLETE" in script.stdout


def _broken_scan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """A scan whose table reader has a bug (an exception that is not a VaultError)."""
    import piplvault.io.tables

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("simulated bug in the reader")

    monkeypatch.setattr(piplvault.io.tables, "open_table", boom)
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    return ["scan", str(path)]


def test_internal_error_hides_the_traceback_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PIPLVAULT_DEBUG", raising=False)
    assert run_argv(_broken_scan(monkeypatch, tmp_path)) == 1
    err = capsys.readouterr().err
    assert "Internal error (RuntimeError)" in err and "--debug" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback_of_an_internal_error(
    how: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = _broken_scan(monkeypatch, tmp_path)
    if how == "flag":
        monkeypatch.delenv("PIPLVAULT_DEBUG", raising=False)
        argv = ["--debug", *argv]
    else:
        monkeypatch.setenv("PIPLVAULT_DEBUG", "1")
    assert run_argv(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "simulated bug in the reader" in err


def test_debug_flag_is_not_sent_to_the_server() -> None:
    """--debug is for this machine; a server's tracebacks stay in its own log."""
    from piplvault.cli.argv import without_debug as _without_debug

    assert _without_debug(["--debug", "customers", "show", "1", "--json"]) == [
        "customers",
        "show",
        "1",
        "--json",
    ]
    # after the command word it is the command's own argument, left alone
    assert _without_debug(["scan", "--debug"]) == ["scan", "--debug"]


def test_the_client_path_table_matches_the_command_tree() -> None:
    """The client finds files to upload from cli/path_table.json without importing the
    app; the table must be what the real command tree says (regenerate it when this
    fails)."""
    from piplvault.cli.commands import command_table
    from piplvault.cli.paths import table

    leaves, groups = command_table()
    commands, known = table()
    assert (commands, sorted(known)) == (leaves, groups), (
        "cli/path_table.json is stale: run `python tools/gen_path_table.py`"
    )


def test_path_arguments_finds_files_in_options_and_arguments() -> None:
    from piplvault.cli.paths import path_arguments

    assert path_arguments(["import", "a.csv", "--home", "v", "--json"]) == [1]
    assert path_arguments(["--debug", "customers", "flagged", "list"]) == []
    argv = ["transfer", "package", "T-0001", "--out", "p.bin", "--json"]
    assert path_arguments(argv) == [4]
    assert path_arguments(["no-such-command", "x.csv"]) == []


def test_a_client_call_does_not_import_the_command_modules() -> None:
    """Speed of every staff command: a call bound for the server loads no Typer app."""
    probe = (
        "import sys, os\n"
        "os.environ['PIPLVAULT_URL'] = 'unix:///nonexistent/s.sock'\n"
        "sys.argv = ['piplvault', 'status', '--home', 'v']\n"
        "from piplvault.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m in "
        "('typer', 'rich', 'piplvault.cli.app', 'piplvault.vault')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
    assert "Cannot reach the piplvault server" in result.stderr
