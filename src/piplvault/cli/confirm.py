"""Safety rails for destructive commands (issue 14.5): say what will be destroyed, ask.

In a terminal the command shows the masked name / counts and asks; ``--yes`` skips the
question (for scripts). Without a terminal and without ``--yes`` it refuses, so a
script that forgot the flag never destroys anything by surprise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer

from piplvault.cli.app import err_console
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
    if not sys.stdin.isatty():
        raise ValidationError(REFUSED, field="yes")
    err_console.print(record(title, describe()))
    if not typer.confirm(_("Destroy this? It cannot be undone"), default=False):
        err_console.print(_("Nothing was destroyed."))
        raise typer.Exit(1)
