"""The vault's database as a whole: whether it holds a vault, and its refusals (disk full,
read-only file, server gone) as the project's typed errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from piplvault.errors import AuditUnavailableError, ConfigError


def has_vault(engine: Engine) -> bool:
    """Whether the database holds a vault (its ``meta`` table exists)."""
    try:
        return inspect(engine).has_table("meta")
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"Cannot reach the database ({exc.__class__.__name__}); check the URL and "
            "that the server is running"
        ) from exc


@contextmanager
def storage_errors() -> Iterator[None]:
    """Raise AuditUnavailableError for a write the database refused (nothing changed)."""
    try:
        yield
    except OperationalError as exc:
        raise _storage_error(exc) from exc


def _storage_error(exc: OperationalError) -> AuditUnavailableError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "full" in text or "readonly" in text or "disk I/O" in text:
        return AuditUnavailableError(
            f"Storage refused the write ({text}); nothing was changed"
        )
    return AuditUnavailableError(
        f"The database refused the write ({text}); nothing was changed"
    )
