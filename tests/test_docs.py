"""Docs stay complete: every command, setting and error class is documented."""

from __future__ import annotations

import inspect
from dataclasses import fields
from pathlib import Path
from typing import Any

import typer.main

import piplvault.cli.commands  # noqa: F401  registers the commands
from piplvault import errors
from piplvault.cli.app import app
from piplvault.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _command_paths(group: Any, prefix: str = "") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):
            paths += _command_paths(command, path + " ")
        else:
            paths.append(path)
    return paths


def test_every_command_is_in_cli_reference_and_has_help() -> None:
    root: Any = typer.main.get_command(app)
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path in _command_paths(root):
        assert f"piplvault {path}" in text, path
    for command in root.commands.values():
        assert command.help or command.short_help, command.name


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for f in fields(Settings):
        assert f"`{f.name}`" in text, f.name


def test_every_error_class_is_documented() -> None:
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    for name, obj in inspect.getmembers(errors, inspect.isclass):
        if issubclass(obj, errors.VaultError) and obj is not errors.VaultError:
            assert f"`{name}`" in text, name
            assert obj.code in text, obj.code
