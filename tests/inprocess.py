"""Run the Typer app in-process the way the server runs a request (fast tests).

Owner maintenance commands run as on the box (direct mode); every other command runs inside
an authenticated owner `Session` — the code path of ``POST /api/v1/cli`` without the HTTP
hop — so in-process tests exercise the same refusals and audit entries as served ones.

``CliRunner`` is typer's test runner over a Click command tree built once per process (per
Typer app and set of registered commands), as the server keeps its tree
(``piplvault.cli.app.command_tree``): typer's own runner rebuilds the tree from the
functions' signatures at every ``invoke``, which was most of an in-process command's time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
import typer.testing

from piplvault.cli.options import (
    CURRENT_COMMAND,
    CURRENT_SESSION,
    command_of,
    is_direct,
)
from piplvault.settings import load_settings
from piplvault.vault import service
from piplvault.vault.session import authenticate, open_session


@contextmanager
def as_served(argv: list[str]) -> Iterator[None]:
    """Within this block, ``app(argv)`` runs as the server would run it for the owner."""
    command = command_of(argv)
    marker = CURRENT_COMMAND.set(command)
    try:
        if (
            is_direct(command) or "--home" not in argv
        ):  # maintenance, or no vault at all
            yield
            return
        home = Path(argv[argv.index("--home") + 1])
        vault = service.Vault.open(load_settings({"home": home, "user": "owner"}))
        user = _user(argv)
        if user == "owner":
            session = open_session(vault, "owner")
        else:  # a staff member proves who they are, as at the server's door
            session = authenticate(
                vault,
                user,
                password=os.environ.get("PIPLVAULT_PASSWORD") or None,
                token=os.environ.get("PIPLVAULT_TOKEN") or None,
            )
        token = CURRENT_SESSION.set(session)
        try:
            yield
        finally:
            CURRENT_SESSION.reset(token)
            vault.close()
    finally:
        CURRENT_COMMAND.reset(marker)


def _user(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg in ("--user", "-u") and i + 1 < len(argv):
            return argv[i + 1]
    return os.environ.get("PIPLVAULT_USER") or "owner"


# --- the Click tree, built once ------------------------------------------------------------

_TREES: dict[tuple[int, tuple[Any, ...]], tuple[typer.Typer, Any]] = {}


def _shape(app: typer.Typer) -> tuple[Any, ...]:
    """What ``typer.main.get_command(app)`` builds from: every registered command and
    group, recursively (a command module imported later changes it)."""
    groups = tuple(
        _shape(info.typer_instance) if info.typer_instance else id(info)
        for info in app.registered_groups
    )
    return (len(app.registered_commands), app.registered_callback is not None, groups)


def command_tree(app: typer.Typer) -> Any:
    """``typer.main.get_command(app)``, built once per app and shape. The tree is not
    changed by running a command (Click makes a new context per invocation), so every
    invocation may share it, as the server's requests do."""
    key = (id(app), _shape(app))
    cached = _TREES.get(key)
    if cached is None:
        # the entry holds ``app`` itself, so no other app can be given its id
        cached = (app, typer.main.get_command(app))
        _TREES[key] = cached
    return cached[1]


class CliRunner(typer.testing.CliRunner):
    """``typer.testing.CliRunner`` whose ``invoke(app, …)`` runs the tree of
    :func:`command_tree` instead of building a new one (otherwise the same runner:
    isolation, streams, exit codes and exceptions)."""

    def invoke(self, app: typer.Typer, *args: Any, **kwargs: Any) -> Any:
        tree = command_tree(app)
        built = typer.testing._get_command
        typer.testing._get_command = lambda _app: tree  # type: ignore[assignment]
        try:
            return super().invoke(app, *args, **kwargs)
        finally:
            typer.testing._get_command = built
