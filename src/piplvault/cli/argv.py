"""Reading a command line before any command module is imported (no Typer here).

The CLI client sends most command lines to ``piplvault serve`` without running them, so it
only needs to classify them: which command, whether it is the owner's maintenance, which
words are files. Keeping that here lets a client call start without importing the app.
"""

from __future__ import annotations

import os

#: What the passphrase holder may run on the box without the server ("direct mode"): the
#: owner's maintenance work. Everything else — every staff command — goes through
#: ``piplvault serve`` so that it runs as an authenticated person, not as the key holder.
DIRECT_COMMANDS = frozenset(
    {
        "init",
        "serve",
        "users passwd",
        "backup create",
        "backup verify",
        "backup list",
        "backup prune",
        "backup restore",
        "keys public",
        "keys rotate",
        "keys split",
        "audit verify",
    }
)
#: Root options whose value is not a command word.
ROOT_VALUE_OPTIONS = frozenset({"--lang", "--server"})


def command_of(argv: list[str]) -> str:
    """``group sub`` (or ``cmd``) of a command line: its first two words that are not
    options (good enough to classify; Typer does the real parsing)."""
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg in ROOT_VALUE_OPTIONS:  # their value is not a command word
            skip = True
            continue
        if arg.startswith("-"):
            continue
        words.append(arg)
        if len(words) == 2:
            break
    return " ".join(words)


def is_direct(command: str) -> bool:
    """May the passphrase holder run ``command`` on the box without the server?"""
    return command in DIRECT_COMMANDS or command.split(" ")[0] in DIRECT_COMMANDS


def root_options(argv: list[str]) -> list[str]:
    """The options before the command word: where ``--debug``/``--version`` belong."""
    head: list[str] = []
    for arg in argv:
        if not arg.startswith("-"):
            break
        head.append(arg)
    return head


def wants_debug(argv: list[str]) -> bool:
    """``--debug`` before the command, or ``PIPLVAULT_DEBUG=1``."""
    return "--debug" in root_options(argv) or os.environ.get("PIPLVAULT_DEBUG") == "1"


def without_debug(argv: list[str]) -> list[str]:
    head = root_options(argv)
    return [a for a in head if a != "--debug"] + argv[len(head) :]
