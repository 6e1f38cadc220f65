"""The REST API's command routes, built once per test process.

``create_app`` includes ``piplvault.api.commands.router(current_session)``: a pydantic body
model and a FastAPI route for each of the hundred-odd commands, built from the command
tree. That table is a pure function of the imported command modules (no vault, no
environment, no language: ``command_specs`` reads the untranslated tree) and building it
is nearly all of ``create_app``'s time (about 1.2 s). Tests that create many apps — a
forked server per vault (``tests/zygote.py``), a console app per test (``tests/web``) —
include the one table built here instead; ``tests/api`` and every fresh
``python -m piplvault serve`` still build their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from piplvault.api import app as api_app
from piplvault.api import commands
from piplvault.vault import Vault

_BUILD: Callable[[Any], APIRouter] = commands.router
_BUILT: list[APIRouter] = []


def command_routes(session_dep: Any) -> APIRouter:
    """``commands.router(session_dep)``; for the app's own ``current_session`` (what
    ``create_app`` passes), the one router built in this process."""
    if session_dep is not api_app.current_session:
        return _BUILD(session_dep)
    if not _BUILT:
        _BUILT.append(_BUILD(session_dep))
    return _BUILT[0]


def reuse_for_this_process() -> None:
    """From now on every ``create_app`` in this process includes the one table (the
    zygote: each forked server creates one app)."""
    command_routes(api_app.current_session)
    commands.router = command_routes  # type: ignore[assignment]


@contextmanager
def _reused() -> Iterator[None]:
    build = commands.router
    commands.router = command_routes  # type: ignore[assignment]
    try:
        yield
    finally:
        commands.router = build  # type: ignore[assignment]


def create_app(vault: Vault, **options: Any) -> FastAPI:
    """``piplvault.api.app.create_app(vault, **options)`` with the table built once."""
    with _reused():
        return api_app.create_app(vault, **options)
