"""piplvault: a PIPL-compliant customer personal-information vault.

    from piplvault import Vault, load_settings

Names are imported on first use, so ``piplvault --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = [
    "Session",
    "Settings",
    "Vault",
    "__version__",
    "authenticate",
    "load_settings",
]

if TYPE_CHECKING:
    from piplvault.settings import Settings, load_settings
    from piplvault.vault.service import Vault
    from piplvault.vault.session import Session, authenticate

_WHERE = {
    "Vault": "piplvault.vault.service",
    "Session": "piplvault.vault.session",
    "authenticate": "piplvault.vault.session",
    "Settings": "piplvault.settings",
    "load_settings": "piplvault.settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'piplvault' has no attribute {name!r}")
