"""Import every command module so its commands register on the app; and the table of
which words of each command are files, generated from that command tree.

The CLI client must know which command-line words are files to upload or write back, but
it should not import Typer and every command module to find out (that doubled the time of
every client call). So the real command tree is walked once, here, and the result is kept
in ``cli/path_table.json``; ``python tools/gen_path_table.py`` regenerates it and a test
fails when it is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from piplvault.cli import (  # noqa: F401
    approvals,
    audit,
    backup,
    company,
    customers,
    deregister,
    documents,
    flagged,
    incidents,
    keys,
    lifecycle,
    policy,
    requests,
    scan,
    serve,
    sharing,
    transfer,
    vaultcmds,
)

#: Path options that name the vault itself, not a file to move between client and server.
_VAULT_PATHS = frozenset({"home", "db"})
TABLE_FILE = Path(__file__).with_name("path_table.json")


def command_table() -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(leaf command → its parameter kinds, group names) from the real Typer tree.

    A leaf's entry: ``options`` maps every flag spelling to ``flag`` (takes no value),
    ``value`` or ``path``; ``arguments`` lists ``[kind, nargs]`` in order."""
    import typer.main

    from piplvault.cli.app import app

    leaves: dict[str, dict[str, Any]] = {}
    groups: list[str] = []

    def walk(command: Any, words: list[str]) -> None:
        if hasattr(command, "commands"):
            if words:
                groups.append(" ".join(words))
            for name, sub in sorted(command.commands.items()):
                walk(sub, [*words, name])
            return
        options: dict[str, str] = {}
        arguments: list[list[Any]] = []
        for param in command.params:
            kind = "path" if _is_path(param) else "value"
            if getattr(param, "param_type_name", "") == "option":
                if getattr(param, "is_flag", False) or getattr(param, "count", False):
                    kind = "flag"
                for flag in (*param.opts, *param.secondary_opts):
                    options[flag] = kind
            else:
                arguments.append([kind, getattr(param, "nargs", 1)])
        leaves[" ".join(words)] = {"options": options, "arguments": arguments}

    walk(typer.main.get_command(app), [])
    return leaves, sorted(groups)


def render_table() -> str:
    leaves, groups = command_table()
    return json.dumps({"groups": groups, "commands": leaves}, indent=1, sort_keys=True)


def _is_path(param: Any) -> bool:
    if param.name in _VAULT_PATHS:
        return False
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if annotation is None:  # plain click parameter
        return type(getattr(param, "type", None)).__name__ == "Path"
    return annotation is Path or Path in getattr(annotation, "__args__", ())
