"""Which words of a command line are files, read from the generated ``path_table.json``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TABLE_FILE = Path(__file__).with_name("path_table.json")


@cache
def table() -> tuple[dict[str, dict[str, Any]], frozenset[str]]:
    """(leaf command → parameter kinds, group names), written by ``cli.commands``."""
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return data["commands"], frozenset(data["groups"])


def path_arguments(argv: list[str]) -> list[int]:
    """Indexes of ``argv`` entries that the command reads or writes as files."""
    commands, groups = table()
    entry: dict[str, Any] | None = None
    words: list[str] = []
    i = 0
    while entry is None:
        while i < len(argv) and argv[i].startswith("-"):
            i += 1
        if i >= len(argv):
            return []
        name = " ".join([*words, argv[i]])
        i += 1
        if name in commands:
            entry = commands[name]
        elif name in groups:
            words.append(argv[i - 1])
        else:
            return []
    options: dict[str, str] = entry["options"]
    arguments = [list(a) for a in entry["arguments"]]
    found: list[int] = []
    while i < len(argv):
        word = argv[i]
        if word in options:
            kind = options[word]
            if kind == "flag":
                i += 1
                continue
            if kind == "path" and i + 1 < len(argv):
                found.append(i + 1)
            i += 2
            continue
        if word.startswith("-") and word != "-":
            i += 1
            continue
        if arguments:
            kind, nargs = arguments[0]
            if kind == "path":
                found.append(i)
            if nargs == 1:
                arguments.pop(0)
        i += 1
    return found
