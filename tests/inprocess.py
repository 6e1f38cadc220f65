"""Run the Typer app in-process the way the server runs a request (fast tests).

Owner maintenance commands run as on the box (direct mode); every other command runs inside
an authenticated owner `Session` — the code path of ``POST /api/v1/cli`` without the HTTP
hop — so in-process tests exercise the same refusals and audit entries as served ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
