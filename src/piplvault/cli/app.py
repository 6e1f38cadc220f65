"""The Typer application, its one error handler and the options every command shares."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console

from piplvault.errors import VaultError

app = typer.Typer(
    name="piplvault",
    help="piplvault — 个人信息保险库 (PIPL customer personal-information vault).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Human messages go to stderr; machine output (JSON) goes to stdout.
err_console = Console(stderr=True)
out_console = Console()


def print_json(data: Any) -> None:
    """Write one JSON document to stdout (UTF-8, Chinese kept readable)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def fail(error: VaultError) -> None:
    """Print a VaultError for the person at the keyboard and exit 1."""
    err_console.print(f"[bold red]Error:[/] {error.message}", highlight=False, markup=True)
    raise typer.Exit(1)


def main() -> None:
    """Console-script entry point: run the app, mapping VaultError to exit 1."""
    from piplvault.cli import commands  # noqa: F401  registers every command

    try:
        app(standalone_mode=False)
    except VaultError as error:
        err_console.print(f"Error: {error.message}", highlight=False, markup=False)
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
        if exc.__class__.__module__.startswith("click"):
            from click import ClickException

            if isinstance(exc, ClickException):
                exc.show()
                sys.exit(exc.exit_code)
        err_console.print(f"Internal error ({type(exc).__name__}); this is a bug.")
        sys.exit(1)
