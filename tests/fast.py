"""Helpers for building module-scoped templates in-process.

A module-scoped fixture is set up before the function-scoped autouse fixtures of
``tests/conftest.py`` that give each test the suite's environment (passphrase, test KDF
cost, owner password, company). ``suite_env()`` gives a module fixture that same
environment while it builds a template vault with the in-process CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import TEST_ENV

_CLEARED = (
    "PIPLVAULT_HOME",
    "PIPLVAULT_DB",
    "PIPLVAULT_USER",
    "PIPLVAULT_PASSWORD",
    "PIPLVAULT_TOKEN",
    "PIPLVAULT_URL",
)


@contextmanager
def suite_env() -> Iterator[pytest.MonkeyPatch]:
    """The environment every test runs in (conftest ``_vault_env``), for a module fixture."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        for key in _CLEARED:
            monkeypatch.delenv(key, raising=False)
        for key, value in TEST_ENV.items():
            monkeypatch.setenv(key, value)
        yield monkeypatch
