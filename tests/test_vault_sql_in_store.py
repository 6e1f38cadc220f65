"""All SQL lives in ``store/`` (issue 11 item 7): the corporate-event, rights-request,
sharing, incident and approval modules of ``vault/`` import no SQLAlchemy, call no
``.execute()``, and sign, MAC or hash JSON only through ``core.canonical``.

The lead widens the module list to all of ``vault/`` once every part has moved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VAULT = Path(__file__).resolve().parent.parent / "src" / "piplvault" / "vault"
MODULES = (
    "approvals",
    "cases",
    "closing",
    "closure",
    "company",
    "counterparty",
    "creditors",
    "custodian",
    "deregistration",
    "deregistration_shred",
    "discontinue",
    "due_diligence",
    "handover",
    "handover_receive",
    "incident_match",
    "incidents",
    "recipients",
    "requests",
    "requests_copy",
    "requests_fulfil",
    "sharing",
    "transfer",
    "transfer_finish",
    "transfer_notices",
)


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
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "execute"
        ):
            found.append(f".execute() on line {node.lineno}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "dumps"
            and any(k.arg in ("sort_keys", "separators") for k in node.keywords)
        ):
            found.append(f"hand-made canonical JSON on line {node.lineno}")
    return found


@pytest.mark.parametrize("name", MODULES)
def test_vault_module_leaves_sql_to_store(name: str) -> None:
    path = VAULT / f"{name}.py"
    assert _offences(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_sql_and_hand_made_canonical_json() -> None:
    source = (
        "from sqlalchemy import select\n"
        "from piplvault.store.schema import cases\n"
        "conn.execute(select(cases))\n"
        "json.dumps(x, sort_keys=True)\n"
    )
    assert len(_offences(ast.parse(source))) == 4
