"""Safety rails for destructive commands (issue 14.5): say what will be destroyed, ask.

In a terminal the command shows the masked name / counts and asks; ``--yes`` skips the
question (for scripts). Without a terminal and without ``--yes`` it refuses, so a
script that forgot the flag never destroys anything by surprise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated

import typer

from piplvault.cli.app import err_console
from piplvault.cli.client import PREVIEW_EXIT
from piplvault.cli.render import record
from piplvault.errors import ValidationError
from piplvault.i18n import _

if TYPE_CHECKING:
    from piplvault.vault.service import Vault

YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Do not ask for confirmation (scripts); without a terminal it is required.",
    ),
]
ApprovalOption = Annotated[
    int | None,
    typer.Option(
        "--approval",
        min=1,
        help="Run under this second administrator's approval (see 'piplvault "
        "approvals'); without it, with require_second_approver on, the run only "
        "records an approval request.",
        show_default=False,
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


def only_requests_approval(vault: Vault, approval: int | None) -> bool:
    """True when this run will only record an approval request (setting on, no
    ``--approval``): nothing is destroyed, so there is nothing to confirm."""
    return approval is None and vault.settings.require_second_approver
