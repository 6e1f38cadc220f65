"""Modules the commands use, loaded on first use so ``piplvault --help`` stays fast.

``--help``, ``--version`` and shell completion build the whole command tree; importing
SQLAlchemy, Alembic, FastAPI, Jinja2 and the recognisers for that would cost seconds. A
command module names its heavy dependencies through :func:`lazy_module` (with the real
import under ``TYPE_CHECKING`` for mypy); the module body runs on first attribute access.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name``, imported now if it already is, else on first attribute access."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
