"""Import every command module so its commands register on the app."""

from __future__ import annotations

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
    keys,
    lifecycle,
    policy,
    scan,
    serve,
    transfer,
    vaultcmds,
)

#: Path options that name the vault itself, not a file to move between client and server.
_VAULT_PATHS = frozenset({"home", "db"})


def path_arguments(argv: list[str]) -> list[int]:
    """Indexes of ``argv`` entries that the command reads or writes as files.

    Walks the real command tree (Typer's click objects), so a new command's ``Path``
    parameters are found without a list to maintain.
    """
    import typer.main

    from piplvault.cli.app import app

    command: Any = typer.main.get_command(app)
    i = 0
    while hasattr(command, "commands"):
        while i < len(argv) and argv[i].startswith("-"):
            i += 1
        if i >= len(argv) or argv[i] not in command.commands:
            return []
        command = command.commands[argv[i]]
        i += 1
    options: dict[str, Any] = {}
    arguments: list[Any] = []
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            for flag in (*param.opts, *param.secondary_opts):
                options[flag] = param
        else:
            arguments.append(param)
    found: list[int] = []
    while i < len(argv):
        word = argv[i]
        if word in options:
            param = options[word]
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                i += 1
                continue
            if _is_path(param) and i + 1 < len(argv):
                found.append(i + 1)
            i += 2
            continue
        if word.startswith("-") and word != "-":
            i += 1
            continue
        if arguments:
            param = arguments[0]
            if _is_path(param):
                found.append(i)
            if getattr(param, "nargs", 1) == 1:
                arguments.pop(0)
        i += 1
    return found


def _is_path(param: Any) -> bool:
    if param.name in _VAULT_PATHS:
        return False
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if annotation is None:  # plain click parameter
        return type(getattr(param, "type", None)).__name__ == "Path"
    return annotation is Path or Path in getattr(annotation, "__args__", ())
