"""All SQL in store/ (issue 11 item 7): these vault/ modules import no SQLAlchemy, call no
``.execute()`` and import no table from ``store.schema``; their SQL lives in store/ modules.

The lead extends the list to every vault/ module once all of them are moved."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VAULT = Path(__file__).resolve().parent.parent / "src" / "piplvault" / "vault"
SQL_FREE = (
    "people.py",
    "records.py",
    "customers.py",
    "consents.py",
    "purposes.py",
    "policy.py",
    "imports.py",
    "import_report.py",
    "integrity.py",
    "service.py",
)


def _sql_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy" or node.module.endswith(
                "store.schema"
            ):
                found.append(f"from {node.module} import …")
        elif isinstance(node, ast.Attribute) and node.attr in (
            "execute",
            "exec_driver_sql",
        ):
            found.append(f".{node.attr}() at line {node.lineno}")
    return found


@pytest.mark.parametrize("name", SQL_FREE)
def test_vault_module_holds_no_sql(name: str) -> None:
    assert _sql_uses(VAULT / name) == []


STORE_MODULES = (
    "audit_queries",
    "blind_index",
    "consents",
    "customers",
    "database",
    "fields",
    "purposes",
    "training",
    "users",
    "vault_keys",
)


@pytest.mark.parametrize("name", STORE_MODULES)
def test_store_module_decides_nothing(name: str) -> None:
    """The store/ modules the SQL moved to import nothing from vault/."""
    tree = ast.parse((VAULT.parent / "store" / f"{name}.py").read_text("utf-8"))
    upward = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("piplvault.vault")
    ]
    assert upward == []


def test_the_check_finds_sql() -> None:
    """The check itself fails on a module that runs SQL (store/ modules do)."""
    store = VAULT.parent / "store" / "customers.py"
    assert any(u.startswith("from sqlalchemy") for u in _sql_uses(store))
    assert any(u.startswith(".execute()") for u in _sql_uses(store))
