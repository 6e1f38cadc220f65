"""docs/python-api.md's example runs as written (issue 11.6: a Python API worth importing)."""

from __future__ import annotations

import re

import pytest

import piplvault
from tests.conftest import ROOT


def test_top_level_names_import() -> None:
    from piplvault import Session, Vault, authenticate, load_settings

    assert issubclass(Session, Vault)
    assert callable(authenticate) and callable(load_settings)
    assert piplvault.__version__


def test_python_api_doc_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    monkeypatch.chdir(ROOT)
    exec(compile(code.group(1), "docs/python-api.md", "exec"), {})  # noqa: S102
