"""The Typer application, its one error handler and the options every command shares."""

from __future__ import annotations

import json
import sys
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

import typer

from piplvault.cli.argv import wants_debug
from piplvault.cli.entry import main as main  # the console script, re-exported
from piplvault.cli.entry import say_error
from piplvault.cli.streams import RoutedConsole
from piplvault.errors import ValidationError, VaultError

app = typer.Typer(
    name="piplvault",
    help="piplvault — 个人信息保险库 (PIPL customer personal-information vault).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from piplvault import __version__

        sys.stdout.write(f"piplvault {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the traceback of an internal error (or set PIPLVAULT_DEBUG=1).",
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language: zh (default) or en; or PIPLVAULT_LANG."),
    ] = None,
) -> None:
    """piplvault — 个人信息保险库 (PIPL customer personal-information vault)."""


#: Human messages go to stderr; machine output (JSON) goes to stdout. Inside the server
#: both write to the current request's streams, at its client's width (cli.streams).
err_console = RoutedConsole(stderr=True)
out_console = RoutedConsole()


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


#: The typed error the last `run_argv` in this context ended with: the server's REST routes
#: answer with its code and HTTP status, not only the line the CLI prints.
LAST_ERROR: ContextVar[VaultError | None] = ContextVar(
    "piplvault_last_error", default=None
)


def flag_for(root: Any, argv: list[str], field: str | None) -> str | None:
    """How the command line spells ``field``, an error's field name (``reason`` →
    ``--reason``; an argument by its metavar): use cases name fields, the CLI names its
    flags. None when the command has no such parameter or it is already in the message."""
    if not field:
        return None
    command = root
    for word in argv:
        sub = getattr(command, "commands", {}).get(word)
        if sub is not None:
            command = sub
    flag = "--" + field.replace("_", "-")
    for param in getattr(command, "params", []):
        if param.name == field or flag in param.opts:
            if param.param_type_name == "option":
                return str(next((o for o in param.opts if o.startswith("--")), flag))
            return str(param.metavar or param.name.upper())
    return None


_TREES: dict[tuple[str, int, int], Any] = {}
_TREES_LOCK = threading.Lock()


def command_tree() -> Any:
    """Typer's Click command tree in the current language, with its help translated.

    Built once per process, language and set of registered commands (``scan`` alone
    registers fewer), not once per command: building it was about three quarters of a
    served command's CPU. The tree is read-only while commands run (Click makes a new
    context per invocation), so concurrent requests share it."""
    from piplvault.cli.lang import set_panel_titles, translate_help
    from piplvault.i18n import current

    set_panel_titles()  # Typer's panel titles are module globals: set them every run
    key = (current(), len(app.registered_commands), len(app.registered_groups))
    tree = _TREES.get(key)
    if tree is None:
        with _TREES_LOCK:
            tree = _TREES.get(key)
            if tree is None:
                tree = typer.main.get_command(app)
                translate_help(tree)
                _TREES[key] = tree
    return tree


def run_argv(argv: list[str]) -> int:
    """Run one command line in this process; map VaultError to exit 1 (the CLI contract)."""
    LAST_ERROR.set(None)
    from piplvault.cli.lang import take_lang

    argv = take_lang(argv)
    if argv[:1] == ["scan"]:
        from piplvault.cli import scan  # noqa: F401  scan needs no vault: skip the rest
    else:
        from piplvault.cli import commands  # noqa: F401  registers every command

    from piplvault.cli.options import CURRENT_COMMAND, command_of

    marker = CURRENT_COMMAND.set(command_of(argv))
    try:
        command = command_tree()
        code = command.main(args=argv, prog_name="piplvault", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except VaultError as error:
        LAST_ERROR.set(error)
        hint = flag_for(command_tree(), argv, getattr(error, "field", None))
        say_error(error.message, error.code, hint=hint)
        return 1
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except typer.Abort:
        err_console.print("Aborted.")
        return 1
    except KeyboardInterrupt:
        err_console.print("Interrupted; nothing was changed.")
        return 130
    except Exception as exc:  # noqa: BLE001  the CLI's last-resort handler for bugs
        # Usage errors from Typer's (vendored) click: show them, exit 2.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        if wants_debug(argv):
            import traceback

            traceback.print_exc()
        err_console.print(
            f"Internal error ({type(exc).__name__}); this is a bug. "
            "Run again with --debug (or PIPLVAULT_DEBUG=1) to see the traceback."
        )
        return 1
    finally:
        CURRENT_COMMAND.reset(marker)
