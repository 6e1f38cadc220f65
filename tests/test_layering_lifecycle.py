"""All SQL in store/ (issue #11 item 7), for the lifecycle, retention, flagged-cell,
transaction-date and address-change modules: their vault/ code imports no SQLAlchemy and
runs no statement itself; the store/ modules their SQL moved to make no business decisions
(they import nothing from vault/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "piplvault"
VAULT_MODULES = (
    "address_change",
    "certificates",
    "destruction",
    "flagged",
    "legal_holds",
    "lifecycle",
    "restriction",
    "retention",
    "shred_run",
    "transaction_dates",
)
STORE_MODULES = ("destruction_runs", "flags", "restriction", "retention", "shred")
RUNS_SQL = {"execute", "exec_driver_sql", "executemany", "scalar", "scalars"}


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _sql_calls(tree: ast.AST) -> list[str]:
    return [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in RUNS_SQL
    ]


@pytest.mark.parametrize("name", VAULT_MODULES)
def test_vault_module_holds_no_sql(name: str) -> None:
    tree = ast.parse((SRC / "vault" / f"{name}.py").read_text(encoding="utf-8"))
    sqlalchemy = [m for m in _imports(tree) if m.split(".")[0] == "sqlalchemy"]
    assert sqlalchemy == [], f"vault/{name}.py imports {sqlalchemy}"
    assert _sql_calls(tree) == [], f"vault/{name}.py runs SQL itself"


@pytest.mark.parametrize("name", STORE_MODULES)
def test_store_module_decides_nothing(name: str) -> None:
    tree = ast.parse((SRC / "store" / f"{name}.py").read_text(encoding="utf-8"))
    upward = [m for m in _imports(tree) if m.startswith("piplvault.vault")]
    assert upward == [], f"store/{name}.py imports {upward}"


def test_the_check_sees_sql() -> None:
    """The checker itself: a statement run through a connection is caught."""
    tree = ast.parse("from sqlalchemy import select\nconn.execute(select(t))\n")
    assert _imports(tree) == ["sqlalchemy"]
    assert _sql_calls(tree) == ["line 2: .execute()"]
