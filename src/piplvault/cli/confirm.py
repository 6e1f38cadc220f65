"""Safety rails for destructive commands (issue 14.5): say what will be destroyed, ask.

In a terminal the command shows the masked name / counts and asks; ``--yes`` skips the
question (for scripts). Without a terminal and without ``--yes`` it refuses, so a
script that forgot the flag never destroys anything by surprise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Annotated

import typer

from piplvault.cli.app import err_console
from piplvault.cli.client import PREVIEW_EXIT
from piplvault.cli.render import record
from piplvault.errors import ValidationError
from piplvault.i18n import _

YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Do not ask for confirmation (scripts); without a terminal it is required.",
    ),
]
#: Inside the server, for a client at a terminal: show the preview and stop (exit 75)
#: without destroying; the client asks its user and re-sends the command with --yes.
CONFIRM_PREVIEW: ContextVar[bool] = ContextVar(
    "piplvault_confirm_preview", default=False
)
REFUSED = (
    "Refused: destructive command without confirmation; run it in a terminal to "
    "confirm, or add --yes"
)


def confirm_destruction(
    title: str, describe: Callable[[], list[tuple[str, str]]], *, yes: bool
) -> None:
    """Return if the user confirmed (or gave ``--yes``); else raise / abort.

    ``describe`` computes the preview (masked names, counts) only when it is shown.
    """
    if yes:
        return
    if CONFIRM_PREVIEW.get():
        err_console.print(record(title, describe()))
        raise typer.Exit(PREVIEW_EXIT)
    if not sys.stdin.isatty():
        raise ValidationError(REFUSED, field="yes")
    err_console.print(record(title, describe()))
    if not typer.confirm(_("Destroy this? It cannot be undone"), default=False):
        err_console.print(_("Nothing was destroyed."))
        raise typer.Exit(1)


def confirm_locally() -> bool:
    """The client's half of a served confirmation: ask this terminal's user."""
    if typer.confirm(_("Destroy this? It cannot be undone"), default=False):
        return True
    err_console.print(_("Nothing was destroyed."))
    return False
