"""The ``piplvault`` command line: thin commands over :class:`piplvault.vault.Vault`.

``main`` is the console script; ``app`` (the Typer application) is imported on first use,
so a client call that goes to the server never loads the command modules.
"""

from __future__ import annotations

from typing import Any

from piplvault.cli.entry import main

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from piplvault.cli.app import app

        return app
    raise AttributeError(f"module 'piplvault.cli' has no attribute {name!r}")
