"""The Typer application, its one error handler and the options every command shares."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from piplvault.errors import ValidationError, VaultError
from piplvault.io.private_files import PRIVATE_UMASK

app = typer.Typer(
    name="piplvault",
    help="piplvault — 个人信息保险库 (PIPL customer personal-information vault).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """piplvault — 个人信息保险库 (PIPL customer personal-information vault)."""


#: Human messages go to stderr; machine output (JSON) goes to stdout.
err_console = Console(stderr=True)
out_console = Console()


def print_json(data: Any) -> None:
    """Write one JSON document to stdout (UTF-8, Chinese kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def emit(result: Any, json_out: bool, human: str | None = None) -> None:
    """Print ``result`` as JSON on stdout, or the ``human`` line on stderr."""
    if json_out:
        print_json(result)
    elif human is not None:
        err_console.print(human, markup=False, highlight=False)


def read_input(path: Path, what: str) -> bytes:
    """The bytes of a key, receipt or package file the user named."""
    if not path.is_file():
        raise ValidationError(f"No {what} file at {path}")
    return path.read_bytes()


def personal_value(value: str | None, what: str) -> str:
    """A personal value the user gives on the command line — or, so that it never shows
    in ``/proc/PID/cmdline`` or shell history (issue 10, attack 15), ``-`` to read it from
    stdin, or nothing to be prompted (hidden) at a terminal."""
    if value is not None and value != "-":
        return value
    if value is None and sys.stdin.isatty():
        return str(typer.prompt(what, hide_input=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise ValidationError(f"No {what} on standard input; nothing was changed")
    return line


def say_error(message: str) -> None:
    """Write one ``Error: …`` line to stderr, never wrapped (scripts grep it)."""
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()


def main() -> None:
    """Console-script entry point: run the app, mapping VaultError to exit 1."""
    os.umask(
        PRIVATE_UMASK
    )  # every file 0600, every directory 0700 (issue 10, attack 7)
    if sys.argv[1:2] == ["scan"]:
        from piplvault.cli import scan  # noqa: F401  scan needs no vault: skip the rest
    else:
        from piplvault.cli import commands  # noqa: F401  registers every command

    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except VaultError as error:
        say_error(error.message)
        sys.exit(1)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("Interrupted; nothing was changed.")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001  the CLI's last-resort handler for bugs
        # Usage errors from Typer's (vendored) click: show them, exit 2.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        err_console.print(f"Internal error ({type(exc).__name__}); this is a bug.")
        sys.exit(1)
