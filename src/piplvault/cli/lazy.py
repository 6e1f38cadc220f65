"""Modules the commands use, loaded on first use so ``piplvault --help`` stays fast.

``--help``, ``--version`` and shell completion build the whole command tree; importing
SQLAlchemy, Alembic, FastAPI, Jinja2 and the recognisers for that would cost seconds. A
command module names its heavy dependencies through :func:`lazy_module` (with the real
import under ``TYPE_CHECKING`` for mypy); the module is imported on first attribute access.

The stand-in is not put in ``sys.modules``: any other import of the module gets the real,
fully run module, and the first use imports it through the ordinary (thread-safe) import
system. ``importlib.util.LazyLoader`` did put a half-loaded module there; on Python 3.11 a
second thread touching it while the first ran its body saw missing attributes (a served
``whoami`` answered 500 under concurrent first requests).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any, cast


class _Deferred:
    """Stands in for a module until first use, then forwards to the real one."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def lazy_module(name: str) -> ModuleType:
    """``name``, if it is already imported, else a stand-in that imports it on first
    attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ImportError(f"No module named {name!r}", name=name)
    return cast(ModuleType, _Deferred(name))
