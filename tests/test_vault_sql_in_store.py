"""All SQL lives in ``store/`` (issue 11 item 7): no module of ``vault/`` imports
SQLAlchemy or a ``store.schema`` table, calls ``.execute()``, or builds canonical JSON by
hand (every signed, MACed or hashed byte string goes through ``core.canonical``); and no
``store/`` module reaches up into ``vault/`` (store runs SQL, vault decides)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "piplvault"
VAULT_MODULES = sorted(p.stem for p in (PACKAGE / "vault").glob("*.py"))
STORE_MODULES = sorted(p.stem for p in (PACKAGE / "store").glob("*.py"))


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy" or node.module.endswith(
                "store.schema"
            ):
                found.append(node.module)
            if node.module == "piplvault.store" and any(
                a.name == "schema" for a in node.names
            ):
                found.append("piplvault.store.schema")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("execute", "exec_driver_sql", "executemany"):
                found.append(f".{node.func.attr}() on line {node.lineno}")
            elif node.func.attr == "dumps" and any(
                k.arg in ("sort_keys", "separators") for k in node.keywords
            ):
                found.append(f"hand-made canonical JSON on line {node.lineno}")
    return found


def _parse(folder: str, name: str) -> ast.AST:
    return ast.parse((PACKAGE / folder / f"{name}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", VAULT_MODULES)
def test_vault_module_leaves_sql_to_store(name: str) -> None:
    assert _offences(_parse("vault", name)) == []


@pytest.mark.parametrize("name", STORE_MODULES)
def test_store_module_decides_nothing(name: str) -> None:
    upward = [
        node.module
        for node in ast.walk(_parse("store", name))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("piplvault.vault")
    ]
    assert upward == []


def test_the_check_finds_sql_and_hand_made_canonical_json() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from piplvault.store.schema import cases\n"
        "from piplvault.store import schema\n"
        "conn.execute(select(cases))\n"
        "json.dumps(x, sort_keys=True)\n"
    )
    assert len(_offences(ast.parse(source))) == 5
    assert _offences(_parse("store", "customers"))  # store/ does run SQL
    assert len(VAULT_MODULES) > 50
